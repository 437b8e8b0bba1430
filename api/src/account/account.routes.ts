import type { AuditService } from '../audit/audit.service.ts';
import { auditContext } from '../audit/audit-context.ts';
import {
  ApiErrorSchema,
  ChangePasswordRequestSchema,
  ChangePasswordResponseSchema,
  HfTokenStatusSchema,
  SetHfTokenRequestSchema,
  SetHfTokenResponseSchema,
} from '@d011dl/contract';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { changePassword } from '../auth/password-change.ts';
import type { Db } from '../db/pool.ts';
import { forbidden } from '../http-errors.ts';
import type { HfTokensService } from './hf-tokens.service.ts';

const errors = { 400: ApiErrorSchema, 401: ApiErrorSchema, 403: ApiErrorSchema, 409: ApiErrorSchema, 502: ApiErrorSchema, 503: ApiErrorSchema };

// A leaked personal access token must not change the password or the Hub token of its owner.
const sessionOnly = async (req: FastifyRequest) => {
  if (req.user?.scope) throw forbidden('This is done from a signed-in session (the portal, the app, or POST /auth/login), not with an access token');
};

export async function accountRoutes(app: FastifyInstance, opts: { db: Db; bcryptRounds: number; hfTokens: HfTokensService; audit: AuditService }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { hfTokens } = opts;

  r.put(
    '/me/password',
    {
      preValidation: sessionOnly,
      schema: {
        tags: ['auth'],
        summary: 'Change my password (the current one is required); my other sessions end, this one stays signed in',
        body: ChangePasswordRequestSchema,
        response: { 200: ChangePasswordResponseSchema, ...errors },
      },
    },
    async (req) =>
      changePassword({ db: opts.db, bcryptRounds: opts.bcryptRounds, audit: opts.audit }, { ...auditContext(req), sessionId: req.user.sid }, req.body),
  );

  r.get(
    '/me/hf-token',
    {
      schema: {
        tags: ['auth'],
        summary: 'Whether I have saved a Hugging Face token, and its Hub account (never the token)',
        response: { 200: HfTokenStatusSchema, ...errors },
      },
    },
    async (req) => hfTokens.status(req.user.sub),
  );

  r.put(
    '/me/hf-token',
    {
      preValidation: sessionOnly,
      schema: {
        tags: ['auth'],
        summary:
          "Save my Hugging Face token: checked with the Hub (whoami-v2), kept encrypted, used for my browsing and downloads instead of the server's HF_TOKEN",
        body: SetHfTokenRequestSchema,
        response: { 200: SetHfTokenResponseSchema, ...errors },
      },
    },
    async (req, reply) => reply.header('cache-control', 'no-store').send(await hfTokens.set(auditContext(req), req.body.token)),
  );

  r.delete(
    '/me/hf-token',
    {
      preValidation: sessionOnly,
      schema: { tags: ['auth'], summary: 'Remove my Hugging Face token', response: { 204: z.null(), ...errors } },
    },
    async (req, reply) => {
      await hfTokens.remove(auditContext(req));
      return reply.code(204).send(null);
    },
  );
}
