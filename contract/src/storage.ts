import { z } from 'zod';

// A storage root's name, as STORAGE_ROOTS spells it ("default" is STORAGE_ROOT).
export const StorageNameSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'must be the name of a storage root (lower-case letters, digits, "-" and "_")');

export const StorageModelUsageSchema = z.object({
  id: z.uuid(),
  author: z.string(),
  repo: z.string(),
  revision: z.string(),
  bytes_on_disk: z.number().int(),
});

export const StorageRootSchema = z.object({
  name: z.string(),
  path: z.string().describe('the root as the server sees it'),
  display_path: z.string().describe('the root as people reach it (STORAGE_DISPLAY_ROOT(S)); equal to path when unset'),
  is_default: z.boolean(),
  ok: z.boolean().describe('mounted, marked and writable'),
  problem: z.string().nullable().describe('why the root cannot be used now (not mounted, read-only, …)'),
  total_bytes: z.number().int().nullable().describe("the filesystem's size (as df); null when the root cannot be read"),
  free_bytes: z.number().int().nullable().describe('free for D011DL (as df "Available")'),
  reserve_bytes: z.number().int().describe('always left free (DISK_RESERVE_MB)'),
  used_bytes: z.number().int().describe("bytes of D011DL's revisions on this root (done files and partial bytes)"),
  models: z.number().int().describe('revisions on this root'),
  largest: z.array(StorageModelUsageSchema).describe('the largest revisions on this root, largest first (up to 10)'),
});
export type StorageRoot = z.infer<typeof StorageRootSchema>;

export const StorageResponseSchema = z.object({ roots: z.array(StorageRootSchema) });
export type StorageResponse = z.infer<typeof StorageResponseSchema>;
