import { z } from 'zod';

export const UsernameSchema = z
  .string()
  .trim()
  .min(2, 'must be at least 2 characters')
  .max(64, 'must be at most 64 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'may contain only letters, digits, "_", "." and "-", starting with a letter or digit');

export const PasswordSchema = z
  .string()
  .min(8, 'must be at least 8 characters')
  // bcrypt only looks at the first 72 bytes; refuse rather than silently ignore the rest
  .refine((s) => new TextEncoder().encode(s).length <= 72, 'must be at most 72 bytes')
  // "password": OpenAPI's format for secrets; 8 to 72 bytes of UTF-8 (72 characters when ASCII)
  .meta({ format: 'password', maxLength: 72, description: '8 to 72 bytes (UTF-8)' });

export const CredentialsSchema = z.object({
  username: UsernameSchema,
  password: PasswordSchema,
});
export type Credentials = z.infer<typeof CredentialsSchema>;

// Login checks credentials, not password policy: a wrong password of any length is simply a 401.
export const LoginRequestSchema = z.object({
  username: z.string().min(1, 'is required').max(64),
  password: z.string().min(1, 'is required').max(1024),
});
export type LoginRequest = z.infer<typeof LoginRequestSchema>;

export const UserSchema = z.object({
  id: z.uuid(),
  username: z.string(),
  is_admin: z.boolean(),
  created_at: z.string(),
  last_login_at: z.string().nullable(),
  disabled: z.boolean().default(false).describe('a disabled account cannot sign in, and its tokens stop working at once'),
});
export type User = z.infer<typeof UserSchema>;

export const RegisterResponseSchema = z.object({
  id: z.uuid(),
  username: z.string(),
  is_admin: z.boolean(),
});
export type RegisterResponse = z.infer<typeof RegisterResponseSchema>;

export const TokenPairSchema = z.object({
  token: z.string(),
  refresh_token: z.string(),
  token_type: z.literal('Bearer'),
  expires_in: z.number().int().describe('seconds until `token` expires'),
});
export type TokenPair = z.infer<typeof TokenPairSchema>;

export const LoginResponseSchema = TokenPairSchema.extend({ user: UserSchema });
export type LoginResponse = z.infer<typeof LoginResponseSchema>;

export const RefreshRequestSchema = z.object({ refresh_token: z.string().min(1, 'is required') });
export type RefreshRequest = z.infer<typeof RefreshRequestSchema>;

export const LogoutRequestSchema = RefreshRequestSchema;

export const AdminCreateUserRequestSchema = CredentialsSchema.extend({
  is_admin: z.boolean().default(false),
});
export type AdminCreateUserRequest = z.infer<typeof AdminCreateUserRequestSchema>;

export const AdminUsersResponseSchema = z.object({ users: z.array(UserSchema) });
export type AdminUsersResponse = z.infer<typeof AdminUsersResponseSchema>;

export const AdminUpdateUserRequestSchema = z
  .strictObject({
    disabled: z.boolean().optional().describe('true signs the user out everywhere and refuses their sign-ins'),
    is_admin: z.boolean().optional(),
    password: PasswordSchema.optional().describe("a new password; ends all of the user's sessions"),
  })
  .refine((b) => b.disabled !== undefined || b.is_admin !== undefined || b.password !== undefined, 'must change something: disabled, administrator or password')
  // the refinement, said in the OpenAPI too (its clients must not take {} for a valid change)
  .meta({ minProperties: 1 });
export type AdminUpdateUserRequest = z.infer<typeof AdminUpdateUserRequestSchema>;

export const AuthConfigResponseSchema = z.object({
  registration_open: z.boolean().describe('true when POST /auth/register will accept a new user'),
  setup_required: z.boolean().describe('true while no account exists: the first to register becomes the administrator'),
});
export type AuthConfigResponse = z.infer<typeof AuthConfigResponseSchema>;
