// Update checks of downloaded branch revisions (issue 15): check, pin, and what changed at the Hub.
import { z } from 'zod';

export const PinRequestSchema = z.object({ pinned: z.boolean() });
export type PinRequest = z.infer<typeof PinRequestSchema>;

export const ChangedFileSchema = z.object({
  path: z.string(),
  change: z.enum(['added', 'changed', 'removed']),
  size_bytes: z.number().int().nonnegative().describe("the Hub's size at the new commit (for a removed file: at the downloaded one)"),
  old_size_bytes: z.number().int().nonnegative().nullable().describe('size at the downloaded commit; null for an added file'),
  tracked: z.boolean().describe('this revision tracks the file in the catalog (it was selected for download)'),
});
export type ChangedFile = z.infer<typeof ChangedFileSchema>;

export const ModelChangesSchema = z.object({
  model_id: z.uuid(),
  from_commit: z.string().nullable().describe('the downloaded commit'),
  to_commit: z.string().nullable().describe("the branch's commit at the Hub at the last check"),
  files: z.array(ChangedFileSchema).describe('empty when nothing changed (or nothing is known yet)'),
  added: z.number().int(),
  changed: z.number().int(),
  removed: z.number().int(),
  bytes_to_fetch: z.number().int().describe('size of the added files and of the changed files this revision tracks'),
});
export type ModelChanges = z.infer<typeof ModelChangesSchema>;

export const UpdateStateSchema = z.object({
  model_id: z.uuid(),
  revision: z.string(),
  checkable: z.boolean().describe('false for a tag, a commit id or a pull request: only branches move'),
  pinned: z.boolean(),
  update_available: z.boolean(),
  commit_sha: z.string().nullable(),
  hub_commit_sha: z.string().nullable(),
  checked_at: z.string().nullable(),
  check_error: z.string().nullable().describe('why the last check could not tell; null when it could'),
});
export type UpdateState = z.infer<typeof UpdateStateSchema>;

export const CheckUpdateResponseSchema = UpdateStateSchema.extend({ changes: ModelChangesSchema.nullable() });
export type CheckUpdateResponse = z.infer<typeof CheckUpdateResponseSchema>;
