import { z } from 'zod';
import { StorageNameSchema } from './storage.ts';

export const FileStatusSchema = z.enum(['pending', 'downloading', 'done', 'failed']);
export type FileStatus = z.infer<typeof FileStatusSchema>;

export const ModelsQuerySchema = z.object({
  author: z.string().max(96).optional(),
  repo: z.string().max(96).optional(),
  revision: z.string().max(255).optional(),
  downloaded: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  storage: StorageNameSchema.optional().describe('only revisions on this storage root'),
});
export type ModelsQuery = z.input<typeof ModelsQuerySchema>;

export const ModelSchema = z.object({
  id: z.uuid(),
  storage: z.string().describe('the storage root this revision lives on ("default" is STORAGE_ROOT); a copy on another root is another entry'),
  author: z.string(),
  repo: z.string(),
  revision: z.string(),
  commit_sha: z.string().nullable(),
  is_downloaded: z.boolean(),
  file_count: z
    .number()
    .int()
    .describe('kept for older clients: the done files as of the last finished job or rescan; read files_done / files_tracked instead'),
  total_size_bytes: z.number().int().describe("kept for older clients: the done files' size as of the last finished job or rescan; read bytes_done instead"),
  files_done: z.number().int().describe('tracked files downloaded and checked'),
  files_failed: z.number().int().describe('tracked files whose last attempt failed (or that a rescan found damaged or missing)'),
  files_tracked: z.number().int().describe('every file of this revision D011DL knows about, whatever its state'),
  files_downloading: z.number().int().describe('tracked files a job is fetching right now'),
  bytes_done: z.number().int().describe('size of the done files'),
  bytes_on_disk: z.number().int().describe('size of the done files plus the partial bytes of unfinished ones'),
  bytes_tracked: z.number().int().describe('size of every tracked file'),
  local_path: z.string().describe('where the files are (or will be) on the storage, as the server sees it'),
  display_path: z.string().describe('local_path as people reach it (STORAGE_DISPLAY_ROOT in place of STORAGE_ROOT; equal to local_path when unset)'),
  downloaded_at: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  // update checks (api/src/updates): only branch revisions are checked, never pinned ones; the
  // defaults let clients read servers from before them
  update_available: z.boolean().default(false).describe("the branch has moved at the Hub since this revision's commit was downloaded (never for a pinned one)"),
  hub_commit_sha: z
    .string()
    .nullable()
    .default(null)
    .describe("the branch's commit at the Hub at the last check; null before the first (and for tags and commit ids)"),
  checked_at: z.string().nullable().default(null).describe('when the Hub was last asked'),
  pinned: z.boolean().default(false).describe('kept at its commit: never checked nor flagged'),
});
export type Model = z.infer<typeof ModelSchema>;

// The spec's sample contract: a JSON array of models, not an object around one.
export const ModelsResponseSchema = z.array(ModelSchema);
export type ModelsResponse = z.infer<typeof ModelsResponseSchema>;

export const ModelFileSchema = z.object({
  id: z.uuid(),
  path: z.string(),
  size_bytes: z.number().int(),
  bytes_done: z.number().int().describe('bytes on disk so far (equals size_bytes when done)'),
  sha256: z.string().nullable(),
  oid: z.string().nullable(),
  status: FileStatusSchema,
  error: z.string().nullable(),
  linked_from: z.string().nullable().describe('set when the file was linked from another revision on the same root instead of downloaded'),
  updated_at: z.string(),
});
export type ModelFile = z.infer<typeof ModelFileSchema>;

export const ModelFilesResponseSchema = z.object({ files: z.array(ModelFileSchema) });
export type ModelFilesResponse = z.infer<typeof ModelFilesResponseSchema>;

export const IdParamsSchema = z.object({ id: z.uuid('must be a UUID') });

// Reconciling the catalog with the disk (POST /db/rescan, POST /db/mark-missing).
export const RescanRequestSchema = z.object({
  model_id: z.uuid(),
  hashes: z.boolean().default(false).describe('also re-hash every file (slow for large models)'),
});
export const RescanResponseSchema = z.object({
  files_checked: z.number().int(),
  present: z.number().int(),
  missing: z.number().int(),
  mismatched: z.number().int(),
});
export type RescanResponse = z.infer<typeof RescanResponseSchema>;

export const MarkMissingRequestSchema = z.object({ model_id: z.uuid() });
export const MarkMissingResponseSchema = z.object({ marked_failed: z.number().int() });
