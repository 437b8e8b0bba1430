import { z } from 'zod';
import { RepoPathSchema } from './names.ts';
import { StorageNameSchema } from './storage.ts';

// Library management (issue 14): delete, move/copy between storage roots, import from disk.

export const DeleteModelResponseSchema = z.object({
  deleted_files: z.number().int().describe('tracked files removed from disk (their partial files go too; files the catalog does not track are left)'),
  freed_bytes: z
    .number()
    .int()
    .describe('bytes the filesystem got back: a file that another revision shares (a de-duplication hard link) frees nothing and is not counted'),
  note: z.string().optional().describe('said when files were left on disk, e.g. the revision lives on a storage root that is no longer configured'),
});
export type DeleteModelResponse = z.infer<typeof DeleteModelResponseSchema>;

export const DeleteFilesRequestSchema = z.object({
  paths: z.array(RepoPathSchema).min(1, 'name at least one file').max(100_000).describe("files of the revision, as the catalog's file list names them"),
});
export type DeleteFilesRequest = z.input<typeof DeleteFilesRequestSchema>;

export const TransferRequestSchema = z.object({
  to: StorageNameSchema.describe('the storage root to copy or move the revision to'),
});
export type TransferRequest = z.input<typeof TransferRequestSchema>;

export const LibraryJobResponseSchema = z.object({
  download_id: z.uuid().describe('the job (it runs on the download queue: same progress, events, cancel)'),
  model_id: z.uuid().describe('the catalog entry the job fills'),
  status: z.literal('queued'),
});
export type LibraryJobResponse = z.infer<typeof LibraryJobResponseSchema>;

export const ImportRequestSchema = z.object({
  storage: StorageNameSchema.optional().describe('the root to scan; default: "default" (STORAGE_ROOT)'),
});
export type ImportRequest = z.input<typeof ImportRequestSchema>;

export const ImportResponseSchema = z.object({
  imports: z.array(
    z.object({
      author: z.string(),
      repo: z.string(),
      revision: z.string(),
      download_id: z.uuid(),
      model_id: z.uuid(),
    }),
  ),
  skipped: z.array(z.object({ path: z.string(), reason: z.string() })).describe('folders found but not imported, with why'),
});
export type ImportResponse = z.infer<typeof ImportResponseSchema>;

export const UpdateJobResponseSchema = LibraryJobResponseSchema.extend({
  commit_sha: z.string().describe('the commit the revision is updated to'),
  files_added: z.number().int(),
  files_changed: z.number().int(),
  files_removed: z.number().int().describe('gone upstream: they move to the trash with the old folder'),
  files_unchanged: z.number().int().describe('carried over without a download'),
  bytes_to_fetch: z.number().int().describe('size of the added and changed files'),
});
export type UpdateJobResponse = z.infer<typeof UpdateJobResponseSchema>;
