import {
  ApiErrorSchema,
  IdParamsSchema,
  MarkMissingRequestSchema,
  MarkMissingResponseSchema,
  ModelFilesResponseSchema,
  ModelsQuerySchema,
  ModelsResponseSchema,
  RescanRequestSchema,
  RescanResponseSchema,
} from '@d011dl/contract';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { CatalogService } from './catalog.service.ts';
import type { RescanCaller, RescanGuard } from './rescan-guard.ts';

const errors = { 400: ApiErrorSchema, 401: ApiErrorSchema, 403: ApiErrorSchema, 404: ApiErrorSchema, 409: ApiErrorSchema };
const caller = (req: FastifyRequest): RescanCaller => ({ id: req.user.sub, admin: req.user.admin });

export async function catalogRoutes(app: FastifyInstance, opts: { catalog: CatalogService; rescanGuard: RescanGuard }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { catalog, rescanGuard: guard } = opts;

  r.get(
    '/db/models',
    {
      schema: {
        tags: ['catalog'],
        summary: 'Models (author/repo/revision) known to D011DL, as a JSON array',
        querystring: ModelsQuerySchema,
        response: { 200: ModelsResponseSchema, 400: ApiErrorSchema },
      },
    },
    async (req) => catalog.listModels(req.query),
  );

  r.get(
    '/db/models/:id/files',
    {
      schema: {
        tags: ['catalog'],
        summary: 'Tracked files of one model',
        params: IdParamsSchema,
        response: { 200: ModelFilesResponseSchema, 400: ApiErrorSchema, 404: ApiErrorSchema },
      },
    },
    async (req) => ({ files: await catalog.listFiles(req.params.id) }),
  );

  r.post(
    '/db/rescan',
    {
      schema: {
        tags: ['catalog'],
        summary:
          "Recompute presence and sizes (and hashes, on request: administrators only, one at a time per model) of a model's files from disk; sizes only: anyone who downloaded the model",
        body: RescanRequestSchema,
        response: { 200: RescanResponseSchema, ...errors },
      },
    },
    async (req) => {
      const { model_id: id, hashes } = req.body;
      await guard.checkRescan(caller(req), id, hashes);
      return hashes ? guard.exclusiveHashRescan(id, () => catalog.rescan(id, true)) : catalog.rescan(id, false);
    },
  );

  r.post(
    '/db/mark-missing',
    {
      schema: {
        tags: ['catalog'],
        summary: "Mark a model's files that are not on disk as failed (administrators only)",
        body: MarkMissingRequestSchema,
        response: { 200: MarkMissingResponseSchema, ...errors },
      },
    },
    async (req) => {
      guard.checkMarkMissing(caller(req));
      return { marked_failed: await catalog.markMissing(req.body.model_id) };
    },
  );
}
