import { ApiErrorSchema, CreateTokenRequestSchema, CreateTokenResponseSchema, IdParamsSchema, TokenListSchema } from '@d011dl/contract';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditContext } from '../audit/audit-context.ts';
import { forbidden } from '../http-errors.ts';
import type { AccessTokensService } from './access-tokens.service.ts';

const errors = { 400: ApiErrorSchema, 401: ApiErrorSchema, 403: ApiErrorSchema, 404: ApiErrorSchema };

// Personal access tokens of the signed-in user. Managed only from a sign-in session: a leaked token
// cannot mint more tokens or hide itself by revoking others.
export async function accessTokensRoutes(app: FastifyInstance, opts: { tokens: AccessTokensService }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  app.addHook('preValidation', async (req: FastifyRequest) => {
    if (req.user?.scope) throw forbidden('Tokens are created and revoked from a signed-in session (the portal, or POST /auth/login), not with a token');
  });

  r.get(
    '/auth/tokens',
    { schema: { tags: ['auth'], summary: 'My access tokens (never the tokens themselves)', response: { 200: TokenListSchema, ...errors } } },
    async (req) => ({ tokens: await opts.tokens.list(req.user.sub) }),
  );

  r.post(
    '/auth/tokens',
    {
      schema: {
        tags: ['auth'],
        summary: 'Create an access token: "mirror:read" for HF_TOKEN against /mirror, "api" for scripts. The token is in this answer only',
        body: CreateTokenRequestSchema,
        response: { 201: CreateTokenResponseSchema, ...errors },
      },
    },
    async (req, reply) =>
      reply
        .code(201)
        .header('cache-control', 'no-store')
        .send(await opts.tokens.create(auditContext(req), req.body)),
  );

  r.delete(
    '/auth/tokens/:id',
    {
      schema: {
        tags: ['auth'],
        summary: 'Revoke one of my access tokens: it stops working at once',
        params: IdParamsSchema,
        response: { 204: z.null(), ...errors },
      },
    },
    async (req, reply) => {
      await opts.tokens.revoke(auditContext(req), req.params.id);
      return reply.code(204).send(null);
    },
  );
}
