import { ApiErrorSchema, IdParamsSchema, LibraryJobResponseSchema, TransferRequestSchema } from '@d011dl/contract';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { TransferKind, TransferService } from './transfer.service.ts';

const errors = {
  400: ApiErrorSchema,
  401: ApiErrorSchema,
  403: ApiErrorSchema,
  404: ApiErrorSchema,
  409: ApiErrorSchema,
  503: ApiErrorSchema,
  507: ApiErrorSchema,
};

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
      async (req, reply) => reply.code(202).send(await opts.transfer.start({ id: req.user.sub, admin: req.user.admin }, kind, req.params.id, req.body.to)),
    );
  }
}
