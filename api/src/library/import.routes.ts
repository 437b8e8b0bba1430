import { ImportRequestSchema, ImportResponseSchema } from '@d011dl/contract';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { auditContext } from '../audit/audit-context.ts';
import type { ImportService } from './import.service.ts';
import { BODY_OPTIONAL } from '../plugins/openapi-truth.ts';
import { errorResponses } from '../plugins/error-responses.ts';

const errors = errorResponses(400, 401, 403, 404, 503);

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
          // only a missing body: a JSON null is a body of the wrong type (400)
          if (req.body === undefined) req.body = {};
        },
      ],
      schema: {
        tags: ['catalog'],
        summary:
          'Import revision folders found on a storage root that the catalog does not know: one import job each, which checks every file against the Hub (administrators only)',
        body: ImportRequestSchema,
        [BODY_OPTIONAL]: true,
        response: { 202: ImportResponseSchema, ...errors },
      },
    },
    async (req, reply) => reply.code(202).send(await opts.imports.importFromDisk(auditContext(req), req.body.storage)),
  );
}
