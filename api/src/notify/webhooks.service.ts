// Webhooks for administrators: add, list, change, delete, send a test, read the delivery log.
import { randomBytes, randomUUID } from 'node:crypto';
import type { CreateWebhookResponse, DeliveryLog, Webhook, WebhookPreset, WebhookTestResult, NotifyEvent } from '@d011dl/contract';
import type { CallerContext } from '../audit/audit-context.ts';
import type { AuditService } from '../audit/audit.service.ts';
import { withTransaction, type Db } from '../db/pool.ts';
import { sealText, type TokenCipher } from '../account/token-cipher.ts';
import { notFound } from '../http-errors.ts';
import { WEBHOOK_SECRET_OWNER } from './notify-sender.ts';
import { eventPayload } from './notify-events.ts';
import type { NotifySender } from './notify-sender.ts';
import { notifyRepository as repo, type WebhookRow } from './notify.repository.ts';

function toWebhook(r: WebhookRow): Webhook {
  return {
    id: r.id,
    name: r.name,
    url: r.url,
    preset: r.preset,
    events: r.events,
    enabled: r.enabled,
    has_secret: true,
    created_at: r.created_at.toISOString(),
    last_delivery: r.last_state ? { state: r.last_state, event: r.last_event!, at: r.last_at!.toISOString() } : null,
  };
}

export function createWebhooksService(deps: { db: Db; sender: NotifySender; audit: AuditService; cipher: TokenCipher }) {
  const { db, sender, audit, cipher } = deps;
  const seal = (secret: string) => sealText(cipher, secret, WEBHOOK_SECRET_OWNER);
  // the URL's host only: a receiver's URL can hold a token (ntfy topics, Discord and Slack hooks)
  const host = (url: string) => new URL(url).host;

  async function requireHook(id: string): Promise<WebhookRow> {
    const row = await repo.getWebhook(db, id);
    if (!row) throw notFound(`No webhook ${id}`);
    return row;
  }

  return {
    async create(
      ctx: CallerContext,
      req: { url: string; events: NotifyEvent[]; secret?: string | undefined; preset: WebhookPreset; name: string },
    ): Promise<CreateWebhookResponse> {
      const generated = req.secret === undefined ? `whsec_${randomBytes(24).toString('hex')}` : null;
      const row = await withTransaction(db, async (tx) => {
        const inserted = await repo.insertWebhook(tx, { ...req, secret: seal(req.secret ?? generated!), createdBy: ctx.actor.sub });
        await audit.record(tx, {
          ...ctx,
          action: 'webhook.create',
          target: req.name,
          details: { host: host(req.url), preset: req.preset, events: req.events },
        });
        return inserted;
      });
      return { ...toWebhook(row), ...(generated ? { secret: generated } : {}) };
    },

    async list(): Promise<Webhook[]> {
      return (await repo.listWebhooks(db)).map(toWebhook);
    },

    async update(ctx: CallerContext, id: string, patch: Parameters<typeof repo.updateWebhook>[2]): Promise<Webhook> {
      const row = await withTransaction(db, async (tx) => {
        const updated = await repo.updateWebhook(tx, id, patch.secret === undefined ? patch : { ...patch, secret: seal(patch.secret) });
        if (!updated) throw notFound(`No webhook ${id}`);
        // which fields changed, never the secret's value
        const details: Record<string, unknown> = Object.fromEntries(Object.entries(patch).filter(([k, v]) => v !== undefined && k !== 'secret' && k !== 'url'));
        if (patch.url !== undefined) details.host = host(patch.url);
        if (patch.secret !== undefined) details.secret_changed = true;
        await audit.record(tx, { ...ctx, action: 'webhook.update', target: updated.name, details });
        return updated;
      });
      return toWebhook(row);
    },

    async remove(ctx: CallerContext, id: string): Promise<void> {
      await withTransaction(db, async (tx) => {
        const hook = await repo.getWebhook(tx, id);
        if (!hook || !(await repo.deleteWebhook(tx, id))) throw notFound(`No webhook ${id}`);
        await audit.record(tx, { ...ctx, action: 'webhook.delete', target: hook.name, details: { host: host(hook.url) } });
      });
    },

    /** A "test" event to this webhook now (even when disabled: that is how one checks it before enabling). */
    async test(id: string): Promise<WebhookTestResult> {
      const hook = await requireHook(id);
      const eventId = randomUUID();
      const payload = eventPayload('test', eventId, { message: 'This is a test from D011DL: the webhook works.' });
      const d = await repo.insertDelivery(db, { webhookId: id, event: 'test', eventId, payload });
      const r = await sender.sendNow(hook, d);
      return { ok: r.error === null, status_code: r.statusCode, error: r.error, duration_ms: r.durationMs };
    },

    async deliveries(id: string, limit: number, offset: number): Promise<DeliveryLog> {
      await requireHook(id);
      const { rows, total } = await repo.attempts(db, id, limit, offset);
      return { attempts: rows.map((a) => ({ ...a, at: a.at.toISOString() })), total };
    },
  };
}

export type WebhooksService = ReturnType<typeof createWebhooksService>;
