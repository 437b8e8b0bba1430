import { BandwidthStatusSchema } from '@d011dl/contract';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { errorResponses } from '../plugins/error-responses.ts';
import type { BandwidthService } from './bandwidth.service.ts';

export async function bandwidthRoutes(app: FastifyInstance, opts: { bandwidth: BandwidthService }) {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/bandwidth',
    {
      schema: {
        tags: ['downloads'],
        summary: 'The bandwidth limit downloads on this API instance share now, and until when (administrators set it in /admin/settings)',
        response: { 200: BandwidthStatusSchema, ...errorResponses(401) },
      },
    },
    async () => opts.bandwidth.status(),
  );
}
