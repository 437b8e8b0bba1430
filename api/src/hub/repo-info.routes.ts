import { ApiErrorSchema, RepoInfoQuerySchema, RepoInfoSchema } from '@d011dl/contract';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { HubClient } from './hub-client.ts';
import { repoInfo } from './repo-info.ts';

const errors = { 400: ApiErrorSchema, 401: ApiErrorSchema, 403: ApiErrorSchema, 404: ApiErrorSchema, 502: ApiErrorSchema, 503: ApiErrorSchema };

export async function repoInfoRoutes(app: FastifyInstance, opts: { clientFor: (userId: string) => Promise<HubClient> }) {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/hf/repo-info',
    {
      schema: {
        tags: ['hub'],
        summary: 'Whether a repo is gated or private, and whether I may download its files (my own Hugging Face token when set, else HF_TOKEN)',
        querystring: RepoInfoQuerySchema,
        response: { 200: RepoInfoSchema, ...errors },
      },
    },
    async (req) => repoInfo(await opts.clientFor(req.user.sub), req.query.author, req.query.repo),
  );
}
