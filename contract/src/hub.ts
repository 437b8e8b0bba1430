import { z } from 'zod';
import { HfNameSchema, RepoPathSchema, RevisionSchema } from './names.ts';

export const ParseUrlRequestSchema = z.object({
  url: z.string().max(2048, 'must be at most 2048 characters'),
});
export type ParseUrlRequest = z.infer<typeof ParseUrlRequestSchema>;

export const ParsedHfUrlSchema = z.object({
  author: z.string(),
  repo: z.string(),
  revision: z
    .string()
    .optional()
    .describe('a branch or tag (settled against the repo\'s refs, "feature/x" too), refs/pr/N for a pull request page, or a commit id'),
  path: z.string().optional().describe('file or folder inside the repo, when the URL named one'),
  kind: z.enum(['repo', 'tree', 'blob', 'resolve']),
});
export type ParsedHfUrl = z.infer<typeof ParsedHfUrlSchema>;

const queryBool = z.union([z.boolean(), z.enum(['true', 'false', '1', '0'])]).transform((v) => v === true || v === 'true' || v === '1');

export const RefsQuerySchema = z.object({
  author: HfNameSchema,
  repo: HfNameSchema,
  include_prs: queryBool.optional(),
});
export type RefsQuery = z.input<typeof RefsQuerySchema>;

export const RefKindSchema = z.enum(['branch', 'tag', 'pr']);
export type RefKind = z.infer<typeof RefKindSchema>;

export const RefSchema = z.object({
  name: z.string().describe('what a revision may be given as: "main", "v1", "pr/1"'),
  kind: RefKindSchema,
  ref: z.string().describe('the full git ref: "refs/heads/main", "refs/tags/v1", "refs/pr/1"'),
  commit: z.string(),
});
export type Ref = z.infer<typeof RefSchema>;

// The spec's sample contract (which users' own scripts follow): `branches` and `tags` are arrays of
// names. The richer data is in `refs`, never in place of the names.
export const RefsResponseSchema = z.object({
  branches: z.array(z.string()).describe('branch names, e.g. ["main", "W4A16-ASYM"]'),
  tags: z.array(z.string()).describe('tag names, e.g. ["v1"]'),
  refs: z
    .array(RefSchema)
    .describe('every branch and tag with its full ref and commit; with include_prs=true also the pull-request refs (kind "pr"), which are listed only here'),
});
export type RefsResponse = z.infer<typeof RefsResponseSchema>;

export const TreeQuerySchema = z.object({
  author: HfNameSchema,
  repo: HfNameSchema,
  revision: RevisionSchema.default('main'),
  path: RepoPathSchema.optional().describe('list only this folder'),
  recursive: queryBool.optional().describe('default: true for the whole repo, false when `path` is given'),
  // a cursor is the base64url of a query string ("?…"), which always starts like this
  cursor: z
    .string()
    .max(4096)
    .regex(/^P[w-z0-9_-][A-Za-z0-9_-]*$/, 'is not a cursor this server handed out')
    .optional()
    .describe('`next_cursor` of the previous page'),
});
export type TreeQuery = z.input<typeof TreeQuerySchema>;

export const TreeEntrySchema = z.object({
  path: z.string(),
  type: z.enum(['file', 'dir']),
  size_bytes: z.number().int().nonnegative(),
  oid: z.string().describe('git object id (for LFS files: of the pointer)'),
  lfs_sha256: z.string().optional().describe('SHA-256 of the content, for LFS files'),
});
export type TreeEntry = z.infer<typeof TreeEntrySchema>;

export const TreeResponseSchema = z.object({
  files: z.array(TreeEntrySchema),
  next_cursor: z.string().nullable(),
});
export type TreeResponse = z.infer<typeof TreeResponseSchema>;
