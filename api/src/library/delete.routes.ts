// Deleting from the library (issue 14): administrators only, like every destructive action.
import { ApiErrorSchema, DeleteFilesRequestSchema, DeleteModelResponseSchema, IdParamsSchema } from '@d011dl/contract';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { auditContext } from '../audit/audit-context.ts';
import type { DeleteService } from './delete.service.ts';

const errors = { 400: ApiErrorSchema, 401: ApiErrorSchema, 403: ApiErrorSchema, 404: ApiErrorSchema, 409: ApiErrorSchema, 503: ApiErrorSchema };

export async function deleteRoutes(app: FastifyInstance, opts: { library: DeleteService }) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.delete(
    '/db/models/:id',
    {
      // before the body and params are validated: a non-admin learns only that this is not for them
      preValidation: app.requireAdmin,
      schema: {
        tags: ['library'],
        summary:
          'Delete a revision: its tracked files (and partial files) from disk, then its catalog entry (administrators only). 409 while a job is queued or running on it; files the catalog does not track are left',
        params: IdParamsSchema,
        response: { 200: DeleteModelResponseSchema, ...errors },
      },
    },
    async (req) => opts.library.deleteModel(auditContext(req), req.params.id),
  );

  r.delete(
    '/db/models/:id/files',
    {
      preValidation: app.requireAdmin,
      schema: {
        tags: ['library'],
        summary: "Delete chosen files of a revision from disk and from the catalog (administrators only); the revision's totals follow",
        params: IdParamsSchema,
        body: DeleteFilesRequestSchema,
        response: { 200: DeleteModelResponseSchema, ...errors },
      },
    },
    async (req) => opts.library.deleteFiles(auditContext(req), req.params.id, req.body.paths),
  );
}
