// Webhooks for administrators: add, list, change, delete, send a test, read the delivery log.
import { randomBytes, randomUUID } from 'node:crypto';
import type { CreateWebhookResponse, DeliveryLog, Webhook, WebhookPreset, WebhookTestResult, NotifyEvent } from '@d011dl/contract';
import type { Db } from '../db/pool.ts';
import { notFound } from '../http-errors.ts';
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

export function createWebhooksService(deps: { db: Db; sender: NotifySender }) {
  const { db, sender } = deps;

  async function requireHook(id: string): Promise<WebhookRow> {
    const row = await repo.getWebhook(db, id);
    if (!row) throw notFound(`No webhook ${id}`);
    return row;
  }

  return {
    async create(
      adminId: string,
      req: { url: string; events: NotifyEvent[]; secret?: string | undefined; preset: WebhookPreset; name: string },
    ): Promise<CreateWebhookResponse> {
      const generated = req.secret === undefined ? `whsec_${randomBytes(24).toString('hex')}` : null;
      const row = await repo.insertWebhook(db, { ...req, secret: req.secret ?? generated!, createdBy: adminId });
      return { ...toWebhook(row), ...(generated ? { secret: generated } : {}) };
    },

    async list(): Promise<Webhook[]> {
      return (await repo.listWebhooks(db)).map(toWebhook);
    },

    async update(id: string, patch: Parameters<typeof repo.updateWebhook>[2]): Promise<Webhook> {
      const row = await repo.updateWebhook(db, id, patch);
      if (!row) throw notFound(`No webhook ${id}`);
      return toWebhook(row);
    },

    async remove(id: string): Promise<void> {
      if (!(await repo.deleteWebhook(db, id))) throw notFound(`No webhook ${id}`);
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
