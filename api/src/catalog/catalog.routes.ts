import { ApiErrorSchema, IdParamsSchema, ModelFilesResponseSchema, ModelsQuerySchema, ModelsResponseSchema } from '@d011dl/contract';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { CatalogService } from './catalog.service.ts';

export async function catalogRoutes(app: FastifyInstance, opts: { catalog: CatalogService }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { catalog } = opts;

  r.get('/db/models', {
    schema: { tags: ['catalog'], summary: 'Models (author/repo/revision) known to D011DL, as a JSON array', querystring: ModelsQuerySchema, response: { 200: ModelsResponseSchema, 400: ApiErrorSchema } },
  }, async (req) => catalog.listModels(req.query));

  r.get('/db/models/:id/files', {
    schema: { tags: ['catalog'], summary: 'Tracked files of one model', params: IdParamsSchema, response: { 200: ModelFilesResponseSchema, 400: ApiErrorSchema, 404: ApiErrorSchema } },
  }, async (req) => ({ files: await catalog.listFiles(req.params.id) }));
}
