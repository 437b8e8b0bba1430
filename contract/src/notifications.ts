import { z } from 'zod';

// Notifications (issue 17): webhooks (administrators, /admin/webhooks) and e-mail (each user, /me/notifications).
// What a receiver gets is documented in the README, "Notifications".

export const NotifyEventSchema = z.enum(['download.succeeded', 'download.failed', 'update.available']);
export type NotifyEvent = z.infer<typeof NotifyEventSchema>;
export const NOTIFY_EVENTS = NotifyEventSchema.options;

export const WebhookPresetSchema = z
  .enum(['generic', 'ntfy', 'discord', 'slack'])
  .describe('"generic": the event as JSON; "ntfy": plain text to a topic URL; "discord" / "slack": their incoming-webhook formats');
export type WebhookPreset = z.infer<typeof WebhookPresetSchema>;

const events = z
  .array(NotifyEventSchema, { error: 'must be a list of events: download.succeeded, download.failed, update.available' })
  .min(1, 'must name at least one event')
  .transform((e) => [...new Set(e)]);

const webhookUrl = z
  .string({ error: 'is required: the address to POST to' })
  .trim()
  .max(2048, 'must be at most 2048 characters')
  .refine((v) => URL.canParse(v), 'must be a full URL such as https://ntfy.sh/my-topic')
  .refine((v) => !URL.canParse(v) || ['http:', 'https:'].includes(new URL(v).protocol), 'must start with http:// or https://')
  .refine((v) => !URL.canParse(v) || (!new URL(v).username && !new URL(v).password), 'must not carry a user name or password (use the secret)');

const secret = z.string().min(16, 'must be at least 16 characters').max(256, 'must be at most 256 characters');
const name = z.string().trim().max(100, 'must be at most 100 characters');

export const CreateWebhookRequestSchema = z.object({
  url: webhookUrl,
  events,
  secret: secret.optional().describe('signs every request (HMAC-SHA256); one is generated and shown once when left out'),
  preset: WebhookPresetSchema.default('generic'),
  name: name.default(''),
});
export type CreateWebhookRequest = z.input<typeof CreateWebhookRequestSchema>;

export const UpdateWebhookRequestSchema = z
  .object({
    url: webhookUrl.optional(),
    events: events.optional(),
    enabled: z.boolean().optional(),
    preset: WebhookPresetSchema.optional(),
    name: name.optional(),
    secret: secret.optional().describe('a new signing secret (never shown again)'),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), 'nothing to change: give url, events, enabled, preset, name or secret');
export type UpdateWebhookRequest = z.input<typeof UpdateWebhookRequestSchema>;

export const WebhookSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  url: z.string(),
  preset: WebhookPresetSchema,
  events: z.array(NotifyEventSchema),
  enabled: z.boolean(),
  has_secret: z.literal(true).describe('every webhook signs its requests; the secret itself is never shown after creation'),
  created_at: z.string(),
  last_delivery: z
    .object({ state: z.enum(['pending', 'delivered', 'failed']), event: z.string(), at: z.string() })
    .nullable()
    .describe('the newest delivery and where it stands'),
});
export type Webhook = z.infer<typeof WebhookSchema>;

export const CreateWebhookResponseSchema = WebhookSchema.extend({
  secret: z.string().optional().describe('the generated secret: in this answer only (absent when you gave one)'),
});
export type CreateWebhookResponse = z.infer<typeof CreateWebhookResponseSchema>;

export const WebhookListSchema = z.object({ webhooks: z.array(WebhookSchema) });
export type WebhookList = z.infer<typeof WebhookListSchema>;

export const DeliveryAttemptSchema = z.object({
  delivery_id: z.uuid(),
  event: z.string().describe('an event name, or "test"'),
  attempt: z.number().int().describe('1 for the first try'),
  status_code: z.number().int().nullable().describe("the receiver's HTTP status; null when no answer came"),
  error: z.string().nullable().describe('why the attempt failed (network error, timeout, non-2xx); null when delivered'),
  duration_ms: z.number().int(),
  at: z.string(),
  state: z.enum(['pending', 'delivered', 'failed']).describe('where the whole delivery stands now (pending: another attempt is due)'),
});
export type DeliveryAttempt = z.infer<typeof DeliveryAttemptSchema>;

export const DeliveriesQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});
export const DeliveryLogSchema = z.object({ attempts: z.array(DeliveryAttemptSchema), total: z.number().int() });
export type DeliveryLog = z.infer<typeof DeliveryLogSchema>;

export const WebhookTestResultSchema = z.object({
  ok: z.boolean(),
  status_code: z.number().int().nullable(),
  error: z.string().nullable(),
  duration_ms: z.number().int(),
});
export type WebhookTestResult = z.infer<typeof WebhookTestResultSchema>;

// E-mail for the signed-in user (PUT/GET /me/notifications): their own downloads' events, and updates of
// the catalog. Needs SMTP_URL on the server.
export const EmailNotificationsRequestSchema = z.object({
  email: z.email('must be an e-mail address').max(254, 'must be at most 254 characters').nullable().describe('null: no e-mail'),
  events: z.array(NotifyEventSchema).transform((e) => [...new Set(e)]),
});
export type EmailNotificationsRequest = z.input<typeof EmailNotificationsRequestSchema>;

export const EmailNotificationsSchema = z.object({
  email: z.string().nullable(),
  events: z.array(NotifyEventSchema),
  available: z.boolean().describe('false when the server has no SMTP_URL: nothing can be sent'),
});
export type EmailNotifications = z.infer<typeof EmailNotificationsSchema>;
