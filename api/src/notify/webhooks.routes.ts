import { auditContext } from '../audit/audit-context.ts';
import {
  ApiErrorSchema,
  CreateWebhookRequestSchema,
  CreateWebhookResponseSchema,
  DeliveriesQuerySchema,
  DeliveryLogSchema,
  IdParamsSchema,
  UpdateWebhookRequestSchema,
  WebhookListSchema,
  WebhookSchema,
  WebhookTestResultSchema,
} from '@d011dl/contract';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { WebhooksService } from './webhooks.service.ts';

const errors = { 400: ApiErrorSchema, 401: ApiErrorSchema, 403: ApiErrorSchema, 404: ApiErrorSchema };

// Webhooks (README, "Notifications"); administrators only.
export async function webhooksRoutes(app: FastifyInstance, opts: { webhooks: WebhooksService }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  app.addHook('preValidation', app.requireAdmin);
  const tags = ['notifications'];

  r.get('/admin/webhooks', { schema: { tags, summary: 'Every webhook (never its secret)', response: { 200: WebhookListSchema, ...errors } } }, async () => ({
    webhooks: await opts.webhooks.list(),
  }));

  r.post(
    '/admin/webhooks',
    {
      schema: {
        tags,
        summary: 'Add a webhook. Without a secret one is generated and returned in this answer only',
        body: CreateWebhookRequestSchema,
        response: { 201: CreateWebhookResponseSchema, ...errors },
      },
    },
    async (req, reply) =>
      reply
        .code(201)
        .header('cache-control', 'no-store')
        .send(await opts.webhooks.create(auditContext(req), req.body)),
  );

  r.patch(
    '/admin/webhooks/:id',
    {
      schema: {
        tags,
        summary: 'Enable or disable a webhook, or change its address, events, preset, name or secret',
        params: IdParamsSchema,
        body: UpdateWebhookRequestSchema,
        response: { 200: WebhookSchema, ...errors },
      },
    },
    async (req) => opts.webhooks.update(auditContext(req), req.params.id, req.body),
  );

  r.delete(
    '/admin/webhooks/:id',
    { schema: { tags, summary: 'Delete a webhook and its delivery log', params: IdParamsSchema, response: { 204: z.null(), ...errors } } },
    async (req, reply) => {
      await opts.webhooks.remove(auditContext(req), req.params.id);
      return reply.code(204).send(null);
    },
  );

  r.post(
    '/admin/webhooks/:id/test',
    {
      schema: {
        tags,
        summary: 'Send a "test" event now (one attempt, no retries; recorded in the delivery log)',
        params: IdParamsSchema,
        response: { 200: WebhookTestResultSchema, ...errors },
      },
    },
    async (req) => opts.webhooks.test(req.params.id),
  );

  r.get(
    '/admin/webhooks/:id/deliveries',
    {
      schema: {
        tags,
        summary: 'The delivery log, newest attempt first',
        params: IdParamsSchema,
        querystring: DeliveriesQuerySchema,
        response: { 200: DeliveryLogSchema, ...errors },
      },
    },
    async (req) => opts.webhooks.deliveries(req.params.id, req.query.limit, req.query.offset),
  );
}
