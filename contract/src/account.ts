// The signed-in user's own account: their password and their own Hugging Face token (issue 17).
import { z } from 'zod';
import { PasswordSchema } from './auth.ts';

export const ChangePasswordRequestSchema = z.object({
  current_password: z.string().min(1, 'is required').max(1024).meta({ format: 'password' }),
  new_password: PasswordSchema,
});
export type ChangePasswordRequest = z.infer<typeof ChangePasswordRequestSchema>;

export const ChangePasswordResponseSchema = z.object({
  changed: z.literal(true),
  sessions_ended: z.number().int().describe("how many of the user's other sessions were signed out"),
});
export type ChangePasswordResponse = z.infer<typeof ChangePasswordResponseSchema>;

export const SetHfTokenRequestSchema = z.object({
  token: z
    .string()
    .trim()
    .min(1, 'is required')
    .max(512, 'is too long for a Hugging Face token')
    // what can travel in an Authorization header: printable ASCII without spaces (Hub tokens are hf_ + letters and digits)
    .regex(/^[\x21-\x7e]+$/, 'must be printable characters without spaces, as copied from huggingface.co/settings/tokens')
    .meta({ format: 'password', description: 'a Hugging Face access token (hf_…); checked with the Hub, stored encrypted, never shown again' }),
});
export type SetHfTokenRequest = z.infer<typeof SetHfTokenRequestSchema>;

export const HfTokenStatusSchema = z.object({
  set: z.boolean(),
  hub_user: z.string().nullable().describe('the Hugging Face account the token belongs to, as the Hub said when it was saved'),
  set_at: z.string().nullable(),
  problem: z.string().nullable().default(null).describe('set when the saved token cannot be used (e.g. the server key DATA_KEY changed): set it again'),
});
export type HfTokenStatus = z.infer<typeof HfTokenStatusSchema>;

export const SetHfTokenResponseSchema = z.object({ hub_user: z.string(), set_at: z.string() });
export type SetHfTokenResponse = z.infer<typeof SetHfTokenResponseSchema>;

/** Whose Hugging Face token a job used: shown on the job, never the token. */
export const HfTokenUseSchema = z.object({
  owner: z.enum(['user', 'server', 'none']),
  user_id: z.uuid().nullable(),
  hub_user: z.string().nullable(),
});
export type HfTokenUse = z.infer<typeof HfTokenUseSchema>;
