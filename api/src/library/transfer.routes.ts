import { IdParamsSchema, LibraryJobResponseSchema, TransferRequestSchema } from '@d011dl/contract';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { auditContext } from '../audit/audit-context.ts';
import type { TransferKind, TransferService } from './transfer.service.ts';
import { errorResponses } from '../plugins/error-responses.ts';

const errors = errorResponses(400, 401, 403, 404, 409, 503, 507);

const summaries: Record<TransferKind, string> = {
  copy: 'Copy a downloaded revision to another storage root, as a job: a second catalog entry there (any signed-in user)',
  move: 'Move a downloaded revision to another storage root, as a job: the source is deleted once every file is verified on the target (administrators only)',
};

export async function transferRoutes(app: FastifyInstance, opts: { transfer: TransferService }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  for (const kind of ['copy', 'move'] as const) {
    r.post(
      `/db/models/:id/${kind}`,
      {
        schema: {
          tags: ['catalog'],
          summary: summaries[kind],
          params: IdParamsSchema,
          body: TransferRequestSchema,
          response: { 202: LibraryJobResponseSchema, ...errors },
        },
      },
      async (req, reply) =>
        reply.code(202).send(await opts.transfer.start({ id: req.user.sub, admin: req.user.admin }, kind, req.params.id, req.body.to, auditContext(req))),
    );
  }
}
