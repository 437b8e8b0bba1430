import { z } from 'zod';
import { HfTokenUseSchema } from './account.ts';
import { StorageNameSchema } from './storage.ts';
import { FileStatusSchema } from './catalog.ts';
import { HfNameSchema, RepoPathSchema, RevisionSchema } from './names.ts';

export const SelectionItemSchema = z.object({
  path: RepoPathSchema,
  type: z.enum(['file', 'dir']),
});
export type SelectionItem = z.infer<typeof SelectionItemSchema>;

export const CreateDownloadRequestSchema = z.object({
  author: HfNameSchema,
  repo: HfNameSchema,
  revision: RevisionSchema.default('main'),
  selection: z.array(SelectionItemSchema).max(100_000).default([]).describe('empty: the whole repo; a dir: everything under it'),
  force: z.boolean().default(false).describe('download again even if every selected file is already on disk'),
  storage: StorageNameSchema.optional().describe('the storage root to download to (STORAGE_ROOTS); default: "default" (STORAGE_ROOT)'),
});
export type CreateDownloadRequest = z.input<typeof CreateDownloadRequestSchema>;

export const BatchDownloadRequestSchema = CreateDownloadRequestSchema.omit({ revision: true }).extend({
  revisions: z
    .array(RevisionSchema)
    .min(1, 'choose at least one revision')
    .max(20, 'at most 20 revisions at once')
    .refine((r) => new Set(r).size === r.length, 'must not name a revision twice')
    .meta({ uniqueItems: true })
    .describe('branches, tags or commits of the repo: one job each, each pinned to its own commit'),
});
export type BatchDownloadRequest = z.input<typeof BatchDownloadRequestSchema>;

export const BatchDownloadResponseSchema = z.object({
  downloads: z.array(
    z.object({
      revision: z.string(),
      download_id: z.uuid().nullable().describe('null when nothing was queued for this revision'),
      status: z.enum(['queued', 'already_downloaded']),
      commit_sha: z.string().nullable(),
      message: z.string().nullable().describe('why nothing was queued'),
    }),
  ),
});
export type BatchDownloadResponse = z.infer<typeof BatchDownloadResponseSchema>;

export const DownloadStatusSchema = z.enum(['queued', 'running', 'succeeded', 'failed', 'canceled']);
export type DownloadStatus = z.infer<typeof DownloadStatusSchema>;

export const CreateDownloadResponseSchema = z.object({
  download_id: z.uuid(),
  status: z.literal('queued'),
  commit_sha: z.string(),
  files_total: z.number().int(),
  bytes_total: z.number().int(),
});
export type CreateDownloadResponse = z.infer<typeof CreateDownloadResponseSchema>;

// A job waiting out a Hub outage or a rate limit (it resumes by itself).
export const DownloadWaitingSchema = z.object({
  message: z.string().describe('why, e.g. "huggingface.co answered 503"'),
  retry_at: z.string().describe('when the next try is due (ISO time)'),
  attempt: z.number().int(),
});
export type DownloadWaiting = z.infer<typeof DownloadWaitingSchema>;

// What a progress bar needs; also the payload of every stream event.
export const DownloadProgressSchema = z.object({
  id: z.uuid(),
  status: DownloadStatusSchema,
  progress_pct: z.number(),
  bytes_done: z.number().int(),
  bytes_total: z.number().int(),
  files_done: z.number().int(),
  files_failed: z.number().int(),
  files_total: z.number().int(),
  speed_bps: z.number().int().nullable(),
  eta_s: z.number().int().nullable(),
  error: z.string().nullable(),
  waiting: DownloadWaitingSchema.nullable().default(null).describe('set while the job waits for the Hub (outage, rate limit)'),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
});
export type DownloadProgress = z.infer<typeof DownloadProgressSchema>;

export const JobKindSchema = z.enum(['download', 'copy', 'move', 'import', 'update']);
export type JobKind = z.infer<typeof JobKindSchema>;

export const DownloadSchema = DownloadProgressSchema.extend({
  kind: JobKindSchema.describe('a download, a copy or move of a revision to another storage root, or an import of a folder already on disk'),
  storage: z.string().describe('the storage root the job writes to'),
  source_model_id: z.uuid().nullable().describe('copy and move: the catalog entry being copied or moved'),
  model_id: z.uuid(),
  author: z.string(),
  repo: z.string(),
  revision: z.string(),
  commit_sha: z.string().nullable(),
  user_id: z.uuid().nullable().describe('who started it; null once that account was deleted (the job stays)'),
  username: z.string().nullable().describe('their name; null once the account was deleted: show "deleted user" (jobOwner in contract/src/jobs.ts)'),
  local_path: z.string().describe('the revision folder on the storage, as the server sees it'),
  display_path: z.string().describe('local_path as people reach it (STORAGE_DISPLAY_ROOT in place of STORAGE_ROOT; equal to local_path when unset)'),
  created_at: z.string(),
  log: z.string().describe('the last lines of the job log'),
  hf_token: HfTokenUseSchema.nullable()
    .default(null)
    .describe("whose Hugging Face token the job's last attempt used (the token itself is never shown); null before it started"),
});
export type Download = z.infer<typeof DownloadSchema>;

export const DownloadsResponseSchema = z.object({ downloads: z.array(DownloadSchema) });
export type DownloadsResponse = z.infer<typeof DownloadsResponseSchema>;

export const DownloadFileSchema = z.object({
  path: z.string(),
  size_bytes: z.number().int(),
  bytes_done: z.number().int(),
  status: FileStatusSchema,
  error: z.string().nullable(),
});
export type DownloadFile = z.infer<typeof DownloadFileSchema>;

export const DownloadFilesResponseSchema = z.object({ files: z.array(DownloadFileSchema) });
export type DownloadFilesResponse = z.infer<typeof DownloadFilesResponseSchema>;

// Server-Sent Events of GET /downloads/:id/stream: `event: progress` while it runs, then one
// `event: end` with the final state; `data` is a DownloadProgress as JSON.
export const DownloadStreamEventSchema = z.discriminatedUnion('event', [
  z.object({ event: z.literal('progress'), data: DownloadProgressSchema }),
  z.object({ event: z.literal('end'), data: DownloadProgressSchema }),
]);
export type DownloadStreamEvent = z.infer<typeof DownloadStreamEventSchema>;

// Server-Sent Events of GET /downloads/events: one `downloads` event now and after every change of any
// of the caller's downloads (a job added, its status, bytes, speed or wait), at most one a second.
export const DownloadsEventSchema = z.object({ downloads: z.array(DownloadProgressSchema) });
export type DownloadsEvent = z.infer<typeof DownloadsEventSchema>;
