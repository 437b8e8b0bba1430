import { z } from 'zod';

// What the mirror (/mirror, api/src/mirror/) answers. It speaks the Hugging Face Hub's protocol, so
// these shapes are the Hub's (docs/hub-protocol.md), limited to what the official clients read.

const Hex40 = z.string().regex(/^[0-9a-f]{40}$/);
const LastCommit = z.object({ id: Hex40, title: z.string(), date: z.string() });

export const MirrorTreeFileSchema = z.object({
  type: z.literal('file'),
  oid: Hex40.describe('git blob id (of the LFS pointer for LFS files)'),
  size: z.number().int().min(0),
  path: z.string(),
  lfs: z.object({ oid: z.string().regex(/^[0-9a-f]{64}$/), size: z.number().int().min(0), pointerSize: z.number().int() }).optional(),
  lastCommit: LastCommit.optional(),
  securityFileStatus: z.object({ status: z.string(), avScan: z.unknown(), pickleImportScan: z.unknown() }).optional(),
});
export const MirrorTreeDirSchema = z.object({
  type: z.literal('directory'),
  oid: Hex40,
  size: z.literal(0),
  path: z.string(),
  lastCommit: LastCommit.optional(),
});
export const MirrorTreeEntrySchema = z.discriminatedUnion('type', [MirrorTreeFileSchema, MirrorTreeDirSchema]);
export type MirrorTreeEntry = z.infer<typeof MirrorTreeEntrySchema>;

export const MirrorSiblingSchema = z.object({
  rfilename: z.string(),
  blobId: Hex40.optional(),
  size: z.number().int().optional(),
  // `sha256` here, `oid` in the tree: as the Hub
  lfs: z.object({ sha256: z.string(), size: z.number().int(), pointerSize: z.number().int() }).optional(),
});

export const MirrorRepoInfoSchema = z.object({
  _id: z.string().regex(/^[0-9a-f]{24}$/),
  id: z.string(),
  author: z.string(),
  sha: Hex40,
  lastModified: z.string().endsWith('Z'),
  createdAt: z.string().endsWith('Z'),
  private: z.boolean(),
  gated: z.literal(false),
  disabled: z.boolean(),
  tags: z.array(z.string()),
  downloads: z.number(),
  likes: z.number(),
  siblings: z.array(MirrorSiblingSchema),
  usedStorage: z.number(),
});
export type MirrorRepoInfo = z.infer<typeof MirrorRepoInfoSchema>;

const Ref = z.object({ name: z.string(), ref: z.string(), targetCommit: Hex40 });
export const MirrorRefsSchema = z.object({
  branches: z.array(Ref),
  converts: z.array(Ref),
  tags: z.array(Ref),
  pullRequests: z.array(Ref).optional(),
});
export type MirrorRefs = z.infer<typeof MirrorRefsSchema>;

/** Every mirror error: the body as the Hub's, the code also in X-Error-Code and the text in X-Error-Message. */
export const MirrorErrorSchema = z.object({ error: z.string() });
