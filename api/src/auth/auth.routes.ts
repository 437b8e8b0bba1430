import {
  ApiErrorSchema,
  AuthConfigResponseSchema,
  CredentialsSchema,
  LoginRequestSchema,
  LoginResponseSchema,
  LogoutRequestSchema,
  RefreshRequestSchema,
  RegisterResponseSchema,
  TokenPairSchema,
  UserSchema,
} from '@d011dl/contract';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from '../http-errors.ts';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AuthService } from './auth.service.ts';

const errors = { 400: ApiErrorSchema, 401: ApiErrorSchema, 403: ApiErrorSchema, 409: ApiErrorSchema, 429: ApiErrorSchema };

// Routes reachable without a token.
export async function publicAuthRoutes(app: FastifyInstance, opts: { auth: AuthService; loginRateLimit: number }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { auth } = opts;

  r.get(
    '/auth/config',
    {
      schema: {
        tags: ['auth'],
        security: [],
        summary: 'Whether registration is open, and whether the first (administrator) account is still to be created',
        response: { 200: AuthConfigResponseSchema },
      },
    },
    () => auth.authConfig(),
  );

  // Sign-in and registration share two limits, as both cost a password hash: guessing one account's
  // password from one address, and one address trying many accounts (or registering many).
  const limits = [
    app.createRateLimit({
      max: opts.loginRateLimit,
      timeWindow: 60_000,
      keyGenerator: (req) => `login:${req.ip}:${String((req.body as { username?: unknown } | undefined)?.username ?? '').toLowerCase()}`,
    }),
    app.createRateLimit({ max: opts.loginRateLimit * 5, timeWindow: 60_000, keyGenerator: (req) => `login-ip:${req.ip}` }),
  ];
  const signInRateLimit = async (req: FastifyRequest) => {
    for (const check of limits) {
      const r = await check(req);
      if (!r.isAllowed && r.isExceeded) {
        throw new HttpError(429, 'TooManyRequests', `Too many sign-in attempts: try again in ${r.ttlInSeconds} s`, { 'retry-after': String(r.ttlInSeconds) });
      }
    }
  };

  r.post(
    '/auth/register',
    {
      preHandler: signInRateLimit,
      schema: {
        tags: ['auth'],
        security: [],
        summary: 'Create an account (the first one becomes admin)',
        body: CredentialsSchema,
        response: { 201: RegisterResponseSchema, ...errors },
      },
    },
    async (req, reply) => reply.code(201).send(await auth.register(req.body.username, req.body.password, req.ip)),
  );

  r.post(
    '/auth/login',
    {
      preHandler: signInRateLimit,
      schema: { tags: ['auth'], security: [], summary: 'Sign in', body: LoginRequestSchema, response: { 200: LoginResponseSchema, ...errors } },
    },
    async (req) => auth.login(req.body.username, req.body.password, req.ip),
  );

  r.post(
    '/auth/refresh',
    {
      schema: {
        tags: ['auth'],
        security: [],
        summary: 'Trade a refresh token for a new token pair',
        body: RefreshRequestSchema,
        response: { 200: TokenPairSchema, ...errors },
      },
    },
    async (req) => auth.refresh(req.body.refresh_token),
  );

  r.post(
    '/auth/logout',
    {
      schema: {
        tags: ['auth'],
        security: [],
        summary: 'Sign out: ends the session of this refresh token, and its access tokens',
        body: LogoutRequestSchema,
        response: { 204: z.null(), ...errors },
      },
    },
    async (req, reply) => {
      await auth.logout(req.body.refresh_token, req.ip);
      return reply.code(204).send(null);
    },
  );
}

export async function authRoutes(app: FastifyInstance, opts: { auth: AuthService }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { auth } = opts;

  r.get(
    '/auth/me',
    {
      schema: { tags: ['auth'], summary: 'The signed-in user', response: { 200: UserSchema, 401: ApiErrorSchema } },
    },
    async (req) => auth.me(req.user.sub),
  );
}
