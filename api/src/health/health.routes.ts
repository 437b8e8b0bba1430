import { HealthResponseSchema } from '@d011dl/contract';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { createHealthService } from './health.service.ts';

export async function healthRoutes(app: FastifyInstance, opts: { health: ReturnType<typeof createHealthService> }) {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/healthz',
    {
      schema: { tags: ['health'], security: [], summary: 'Database and storage checks', response: { 200: HealthResponseSchema, 503: HealthResponseSchema } },
    },
    async (_req, reply) => {
      const h = await opts.health.check();
      return reply.code(h.status === 'down' ? 503 : 200).send(h);
    },
  );
}
