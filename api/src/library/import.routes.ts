import { ApiErrorSchema, ImportRequestSchema, ImportResponseSchema } from '@d011dl/contract';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ImportService } from './import.service.ts';

const errors = { 400: ApiErrorSchema, 401: ApiErrorSchema, 403: ApiErrorSchema, 503: ApiErrorSchema };

export async function importRoutes(app: FastifyInstance, opts: { imports: ImportService }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post(
    '/db/import',
    {
      // before the body is validated: a non-admin learns only that this is not for them; no body at all
      // (a bare POST, as curl sends it) means the default root
      preValidation: [
        app.requireAdmin,
        async (req) => {
          req.body ??= {};
        },
      ],
      schema: {
        tags: ['catalog'],
        summary:
          'Import revision folders found on a storage root that the catalog does not know: one import job each, which checks every file against the Hub (administrators only)',
        body: ImportRequestSchema,
        response: { 202: ImportResponseSchema, ...errors },
      },
    },
    async (req, reply) => reply.code(202).send(await opts.imports.importFromDisk(req.user.sub, req.body.storage)),
  );
}
