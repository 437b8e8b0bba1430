import { StorageResponseSchema } from '@d011dl/contract';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { StorageService } from './storage.service.ts';

export async function storageRoutes(app: FastifyInstance, opts: { storage: StorageService }) {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/storage',
    {
      schema: {
        tags: ['storage'],
        summary: 'Disk usage per storage root: size, free, reserve, used by D011DL and the largest revisions',
        response: { 200: StorageResponseSchema },
      },
    },
    async () => opts.storage.overview(),
  );
}
