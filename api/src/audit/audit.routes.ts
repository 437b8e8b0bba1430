import { AuditPageSchema, AuditQuerySchema } from '@d011dl/contract';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { errorResponses } from '../plugins/error-responses.ts';
import type { AuditService } from './audit.service.ts';

export async function auditRoutes(app: FastifyInstance, opts: { audit: AuditService }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  app.addHook('preValidation', app.requireAdmin);
  r.get(
    '/admin/audit',
    {
      schema: {
        tags: ['admin'],
        summary: 'The audit log, newest first, a page at a time (administrators only)',
        querystring: AuditQuerySchema,
        response: { 200: AuditPageSchema, ...errorResponses(400, 401, 403) },
      },
    },
    async (req) => opts.audit.page(req.query),
  );
}
