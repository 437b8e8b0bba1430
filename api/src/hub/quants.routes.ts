import { ApiErrorSchema, groupQuants, QuantsQuerySchema, QuantsResponseSchema, RAM_OVERHEAD_TEXT } from '@d011dl/contract';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { CatalogService } from '../catalog/catalog.service.ts';
import type { HubFor } from './hub.routes.ts';

const errors = { 400: ApiErrorSchema, 401: ApiErrorSchema, 403: ApiErrorSchema, 404: ApiErrorSchema, 502: ApiErrorSchema, 503: ApiErrorSchema };

export async function quantsRoutes(app: FastifyInstance, opts: { hubFor: HubFor; catalog: CatalogService }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { hubFor, catalog } = opts;

  r.get(
    '/hf/quants',
    {
      schema: {
        tags: ['hub'],
        summary:
          "A repo's weights grouped as one downloads them (GGUF quants, split files and shard sets), with sizes, RAM estimates and what is already downloaded",
        querystring: QuantsQuerySchema,
        response: { 200: QuantsResponseSchema, ...errors },
      },
    },
    async (req) => {
      const { author, repo, revision } = req.query;
      const [tree, done] = await Promise.all([(await hubFor(req.user.sub)).listAll(author, repo, revision), catalog.doneFiles({ author, repo, revision })]);
      const oids = new Map(tree.map((e) => [e.path, e.oid]));
      // done at this revision and still the same content as the Hub's (a moved branch may have changed it)
      const isDone = (path: string) => {
        const d = done.get(path);
        return !!d && (d.gitOid === null || d.gitOid === oids.get(path));
      };
      const files = tree.filter((e) => e.type === 'file').map((e) => ({ path: e.path, size_bytes: e.size }));
      return { ...groupQuants(files, isDone), ram_overhead: RAM_OVERHEAD_TEXT };
    },
  );
}
