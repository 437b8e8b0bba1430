import { ApiErrorSchema, IdParamsSchema, UpdateJobResponseSchema } from '@d011dl/contract';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { auditContext } from '../audit/audit-context.ts';
import type { UpdateApplyService } from './update-apply.service.ts';

export async function updateApplyRoutes(app: FastifyInstance, opts: { updates: UpdateApplyService }) {
  app.withTypeProvider<ZodTypeProvider>().post(
    '/db/models/:id/update',
    {
      schema: {
        tags: ['catalog'],
        summary: "Update a branch revision to the Hub's latest commit, fetching only new and changed files",
        description:
          'Runs as a job (kind "update"). Unchanged files are carried over; the new files are staged and the revision folder is swapped at the end, so it never mixes two commits. The old folder is kept in <root>/.d011dl/trash/<day>/ for TRASH_DAYS.',
        params: IdParamsSchema,
        response: { 202: UpdateJobResponseSchema, 404: ApiErrorSchema, 409: ApiErrorSchema, 503: ApiErrorSchema, 507: ApiErrorSchema },
      },
    },
    async (req, reply) => reply.code(202).send(await opts.updates.update(auditContext(req), req.params.id)),
  );
}
