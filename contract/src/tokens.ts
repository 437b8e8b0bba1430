import { z } from 'zod';

// Personal access tokens (POST/GET/DELETE /auth/tokens). "mirror:read" reads the Hugging Face–compatible
// mirror under /mirror (as HF_TOKEN); "api" is also a Bearer token for the whole API, for scripts.
export const TokenScopeSchema = z.enum(['mirror:read', 'api']).describe('"mirror:read": only the mirror (/mirror); "api": the API and the mirror');
export type TokenScope = z.infer<typeof TokenScopeSchema>;

// Every token starts with this, followed by letters and digits only: @huggingface/hub refuses tokens
// that do not start with "hf_", llama.cpp sends none that holds anything but letters and digits after
// it, and the API tells its own tokens from signed session tokens by it.
export const ACCESS_TOKEN_PREFIX = 'hf_d011dl';

export const CreateTokenRequestSchema = z.object({
  name: z.string().trim().min(1, 'is required').max(100, 'must be at most 100 characters').describe('what the token is for, e.g. "gpu-box-3"'),
  scope: TokenScopeSchema.default('mirror:read'),
});
export type CreateTokenRequest = z.input<typeof CreateTokenRequestSchema>;

export const AccessTokenSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  scope: TokenScopeSchema,
  hint: z.string().describe("the token's first characters, to tell tokens apart; never the whole token"),
  created_at: z.string(),
  last_used_at: z.string().nullable(),
});
export type AccessToken = z.infer<typeof AccessTokenSchema>;

export const CreateTokenResponseSchema = AccessTokenSchema.extend({
  token: z.string().describe('the token itself: shown this once, never again (only its hash is kept)'),
});
export type CreateTokenResponse = z.infer<typeof CreateTokenResponseSchema>;

export const TokenListSchema = z.object({ tokens: z.array(AccessTokenSchema) });
export type TokenList = z.infer<typeof TokenListSchema>;
