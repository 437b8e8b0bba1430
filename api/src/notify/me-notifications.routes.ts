import { ApiErrorSchema, EmailNotificationsRequestSchema, EmailNotificationsSchema, type EmailNotifications } from '@d011dl/contract';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Db } from '../db/pool.ts';
import { conflict } from '../http-errors.ts';
import { notifyRepository as repo } from './notify.repository.ts';

const errors = { 400: ApiErrorSchema, 401: ApiErrorSchema, 409: ApiErrorSchema };

// E-mail about my own downloads (and updates of the catalog), for every signed-in user; sent by
// notify-sender.ts through SMTP_URL.
export async function meNotificationsRoutes(app: FastifyInstance, opts: { db: Db; emailAvailable: boolean }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const current = async (userId: string): Promise<EmailNotifications> => {
    const row = await repo.getEmail(opts.db, userId);
    return { email: row?.email ?? null, events: row?.events ?? [], available: opts.emailAvailable };
  };

  r.get(
    '/me/notifications',
    { schema: { tags: ['notifications'], summary: 'My e-mail notifications', response: { 200: EmailNotificationsSchema, ...errors } } },
    async (req) => current(req.user.sub),
  );

  r.put(
    '/me/notifications',
    {
      schema: {
        tags: ['notifications'],
        summary: 'E-mail me about these events (email null: no e-mail)',
        body: EmailNotificationsRequestSchema,
        response: { 200: EmailNotificationsSchema, ...errors },
      },
    },
    async (req) => {
      if (req.body.email !== null && !opts.emailAvailable)
        throw conflict('E-mail is not set up on this server: an administrator sets SMTP_URL first', 'EmailUnavailable');
      await repo.setEmail(opts.db, req.user.sub, req.body.email, req.body.events);
      return current(req.user.sub);
    },
  );
}
