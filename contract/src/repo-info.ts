import { z } from 'zod';
import { HfNameSchema } from './names.ts';

// GET /hf/repo-info: what the repo page says before Download (gated badge, access link).
export const RepoInfoQuerySchema = z.object({ author: HfNameSchema, repo: HfNameSchema });
export type RepoInfoQuery = z.infer<typeof RepoInfoQuerySchema>;

export const RepoInfoSchema = z.object({
  author: z.string(),
  repo: z.string(),
  gated: z
    .union([z.literal(false), z.literal('auto'), z.literal('manual')])
    .describe('the Hub\'s gate: false, "auto" (approved at once) or "manual" (the authors review each request)'),
  private: z.boolean(),
  access: z
    .enum(['granted', 'needs-request', 'unknown'])
    .describe("whether the files may be downloaded with the caller's Hugging Face token (their own when set, else the server's HF_TOKEN)"),
  request_url: z.string().nullable().describe('the Hub page where a person asks for access (gated repos only)'),
  token: z
    .object({ owner: z.enum(['user', 'server', 'none']), hub_user: z.string().nullable() })
    .nullable()
    .default(null)
    .describe("whose token `access` was checked with: the caller's own (its Hub account), the server's, or none"),
});
export type RepoInfo = z.infer<typeof RepoInfoSchema>;
