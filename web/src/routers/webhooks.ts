// Notifications for administrators: webhooks (add with a preset, enable/disable, send a test, delete)
// and each one's recent deliveries. The API decides who may (403 otherwise) and validates everything.
import { Router, type Request, type Response } from 'express';
import {
  CreateWebhookResponseSchema,
  DeliveryLogSchema,
  NOTIFY_EVENTS,
  WebhookListSchema,
  WebhookSchema,
  WebhookTestResultSchema,
  type CreateWebhookResponse,
  type User,
} from '@d011dl/contract';
import { z } from 'zod';
import { ApiError } from '../api-client.ts';
import { apiRefusal, guardId, page, str, type RouterDeps } from './shared.ts';

// how many attempts the page shows per webhook
const RECENT = 5;
const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(str) : typeof v === 'string' ? [v] : []);

export function webhooksRouter({ api }: RouterDeps): Router {
  const router = Router();
  guardId(router, 'webhook');

  async function show(req: Request, res: Response, extra: { created?: CreateWebhookResponse; error?: string | null; form?: Record<string, unknown> } = {}) {
    if (!(res.locals.user as User).is_admin) throw new ApiError(403, 'Forbidden', 'Only administrators can manage notifications.');
    const { webhooks } = await api.call(req, res, 'GET', '/admin/webhooks', WebhookListSchema);
    const recent = await Promise.all(webhooks.map((w) => api.call(req, res, 'GET', `/admin/webhooks/${w.id}/deliveries?limit=${RECENT}`, DeliveryLogSchema)));
    // a page holding a new secret must not be kept by the browser or a proxy
    res.set('cache-control', 'no-store');
    page(res, 'webhooks', {
      title: 'Notifications',
      webhooks: webhooks.map((w, i) => ({ ...w, recent: recent[i]! })),
      events: NOTIFY_EVENTS,
      created: extra.created ?? null,
      form: extra.form ?? { events: NOTIFY_EVENTS.filter((e) => e !== 'update.available'), preset: 'generic' },
      notice: str(req.query.notice) || null,
      error: extra.error ?? (str(req.query.error) || null),
    });
  }

  const back = (res: Response, key: 'notice' | 'error', text: string) => res.redirect(303, `/webhooks?${new URLSearchParams({ [key]: text })}`);

  router.get('/webhooks', (req, res) => show(req, res));

  router.post('/webhooks', async (req, res) => {
    const form = {
      name: str(req.body.name).trim(),
      url: str(req.body.url).trim(),
      preset: str(req.body.preset) || 'generic',
      events: list(req.body.events),
      ...(str(req.body.secret) ? { secret: str(req.body.secret) } : {}),
    };
    try {
      const created = await api.call(req, res, 'POST', '/admin/webhooks', CreateWebhookResponseSchema, form);
      // rendered, not redirected: a generated secret is in this answer and nowhere else
      await show(req, res, { created });
    } catch (err) {
      const { secret: _, ...kept } = form;
      await show(req, res, { error: apiRefusal(res, err).message, form: kept });
    }
  });

  const toggle = (enabled: boolean) => async (req: Request, res: Response) => {
    const w = await api.call(req, res, 'PATCH', `/admin/webhooks/${req.params.id}`, WebhookSchema, { enabled });
    back(res, 'notice', `${w.name || w.url} is ${enabled ? 'enabled' : 'disabled'}.`);
  };
  router.post('/webhooks/:id/enable', toggle(true));
  router.post('/webhooks/:id/disable', toggle(false));

  router.post('/webhooks/:id/test', async (req, res) => {
    const r = await api.call(req, res, 'POST', `/admin/webhooks/${req.params.id}/test`, WebhookTestResultSchema);
    if (r.ok) back(res, 'notice', `Test delivered: HTTP ${r.status_code} in ${r.duration_ms} ms.`);
    else back(res, 'error', `Test not delivered: ${r.error}`);
  });

  router.post('/webhooks/:id/delete', async (req, res) => {
    await api.call(req, res, 'DELETE', `/admin/webhooks/${req.params.id}`, z.unknown());
    back(res, 'notice', 'Webhook deleted, with its delivery log.');
  });

  return router;
}
