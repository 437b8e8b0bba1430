import { CheckUpdateResponseSchema, IdParamsSchema, ModelChangesSchema, PinRequestSchema, UpdateStateSchema } from '@d011dl/contract';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { UpdatesService } from './updates.service.ts';
import { errorResponses } from '../plugins/error-responses.ts';

const errors = errorResponses(400, 401, 403, 404, 409, 502, 503);

export async function updatesRoutes(app: FastifyInstance, opts: { updates: UpdatesService }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { updates } = opts;

  r.post(
    '/db/models/:id/check-update',
    {
      schema: {
        tags: ['catalog'],
        summary: "Ask the Hub now whether this revision's branch has moved; with what changed when it has",
        params: IdParamsSchema,
        response: { 200: CheckUpdateResponseSchema, ...errors },
      },
    },
    async (req) => updates.checkNow(req.params.id),
  );

  r.get(
    '/db/models/:id/changes',
    {
      schema: {
        tags: ['catalog'],
        summary: 'Files added, changed and removed at the Hub since the downloaded commit (as of the last check)',
        params: IdParamsSchema,
        response: { 200: ModelChangesSchema, ...errors },
      },
    },
    async (req) => updates.changes(req.params.id),
  );

  r.put(
    '/db/models/:id/pin',
    {
      schema: {
        tags: ['catalog'],
        summary: 'Pin a revision to its commit (never checked nor flagged) or unpin it',
        params: IdParamsSchema,
        body: PinRequestSchema,
        response: { 200: UpdateStateSchema, ...errors },
      },
    },
    async (req) => updates.pin(req.params.id, req.body.pinned),
  );
}
