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
  access: z.enum(['granted', 'needs-request', 'unknown']).describe("whether the server's HF_TOKEN may download the files"),
  request_url: z.string().nullable().describe('the Hub page where a person asks for access (gated repos only)'),
});
export type RepoInfo = z.infer<typeof RepoInfoSchema>;
