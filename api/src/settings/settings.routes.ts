import { SettingsResponseSchema, SettingsUpdateSchema } from '@d011dl/contract';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { errorResponses } from '../plugins/error-responses.ts';
import type { SettingsService } from './settings.service.ts';

export async function settingsRoutes(app: FastifyInstance, opts: { settings: SettingsService }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  app.addHook('preValidation', app.requireAdmin);
  r.get(
    '/admin/settings',
    {
      schema: {
        tags: ['admin'],
        summary: 'The settings that change without a restart, and where each value comes from (administrators only)',
        response: { 200: SettingsResponseSchema, ...errorResponses(401, 403) },
      },
    },
    async () => opts.settings.view(),
  );
  r.put(
    '/admin/settings',
    {
      schema: {
        tags: ['admin'],
        summary: 'Change settings at run time; null puts one back to its environment value (administrators only)',
        body: SettingsUpdateSchema,
        response: { 200: SettingsResponseSchema, ...errorResponses(400, 401, 403) },
      },
    },
    async (req) => opts.settings.update(req.user, req.body, req.ip),
  );
}
