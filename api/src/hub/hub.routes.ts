import {
  ApiErrorSchema,
  ParsedHfUrlSchema,
  ParseUrlRequestSchema,
  RefsQuerySchema,
  RefsResponseSchema,
  TreeQuerySchema,
  TreeResponseSchema,
} from '@d011dl/contract';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { HubService } from './hub.service.ts';

/** The Hub as the signed-in user reaches it: their own token when set, else the server's (api/src/account). */
export type HubFor = (userId: string) => Promise<HubService>;

const errors = { 400: ApiErrorSchema, 401: ApiErrorSchema, 403: ApiErrorSchema, 404: ApiErrorSchema, 502: ApiErrorSchema, 503: ApiErrorSchema };

export async function hubRoutes(app: FastifyInstance, opts: { hubFor: HubFor }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const hub = (req: { user: { sub: string } }) => opts.hubFor(req.user.sub);

  r.post(
    '/hf/parse-url',
    {
      schema: {
        tags: ['hub'],
        summary: "Read a pasted Hugging Face link or author/repo, settled against the repo's refs",
        body: ParseUrlRequestSchema,
        response: { 200: ParsedHfUrlSchema, ...errors },
      },
    },
    async (req) => (await hub(req)).parseUrl(req.body.url),
  );

  r.get(
    '/hf/refs',
    {
      schema: {
        tags: ['hub'],
        summary: 'Branch and tag names of a repo; `refs` details them (and pull-request refs with include_prs=true)',
        querystring: RefsQuerySchema,
        response: { 200: RefsResponseSchema, ...errors },
      },
    },
    async (req) => (await hub(req)).refs(req.query.author, req.query.repo, req.query.include_prs ?? false),
  );

  r.get(
    '/hf/tree',
    {
      schema: {
        tags: ['hub'],
        summary: "One page of a repo's file tree at a revision",
        querystring: TreeQuerySchema,
        response: { 200: TreeResponseSchema, ...errors },
      },
    },
    async (req) => (await hub(req)).tree(req.query),
  );
}
