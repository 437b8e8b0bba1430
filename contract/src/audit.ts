import { z } from 'zod';

// The audit log (GET /admin/audit): who did what and when. Actions are "<area>.<verb>", e.g.
// "auth.login", "auth.login_failed", "user.create", "settings.update", "model.delete", "model.move".
export const AuditActionSchema = z
  .string()
  .regex(/^[a-z_]+\.[a-z_]+$/, 'must look like "area.verb", e.g. "auth.login"')
  .describe('what was done, "<area>.<verb>", e.g. "auth.login_failed", "user.update", "settings.update"');

export const AuditEntrySchema = z.object({
  id: z.number().int(),
  at: z.string(),
  actor: z
    .object({
      id: z.uuid().nullable().describe('null when the account was deleted since'),
      username: z.string().nullable().describe('the name at the time; null for the system itself'),
    })
    .describe('who did it'),
  action: AuditActionSchema,
  target: z.string().nullable().describe('what it was done to: a user name, a repo, a setting…'),
  details: z.record(z.string(), z.unknown()).describe('what changed; never a secret'),
  ip: z.string().nullable(),
});
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

export const AuditQuerySchema = z.object({
  before: z.coerce.number().int().min(1).optional().describe("entries older than this id (the previous page's next_before)"),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  action: z
    .string()
    .regex(/^[a-z_]+(\.[a-z_]+)?$/, 'must be an area ("auth") or an action ("auth.login")')
    .max(64)
    .optional()
    .describe('only this action ("auth.login") or area ("auth")'),
  actor: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be a user name')
    .optional()
    .describe('only what this user name did'),
});
export type AuditQuery = z.input<typeof AuditQuerySchema>;

export const AuditPageSchema = z.object({
  entries: z.array(AuditEntrySchema).describe('newest first'),
  next_before: z.number().int().nullable().describe('pass as `before` for the next (older) page; null at the end'),
});
export type AuditPage = z.infer<typeof AuditPageSchema>;
