import jwt from '@fastify/jwt';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { forbidden, unauthorized } from '../http-errors.ts';

export interface AccessClaims {
  sub: string;
  username: string;
  admin: boolean;
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: AccessClaims;
    user: AccessClaims;
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    authenticate(req: FastifyRequest, reply: FastifyReply): Promise<void>;
    requireAdmin(req: FastifyRequest, reply: FastifyReply): Promise<void>;
  }
}

export default fp(
  async function jwtAuth(app: FastifyInstance, opts: { secret: string; accessTokenTtlS: number }) {
    await app.register(jwt, {
      secret: opts.secret,
      // HS256 only: tokens claiming "none" or another algorithm are refused by the verifier.
      sign: { algorithm: 'HS256', expiresIn: opts.accessTokenTtlS },
      verify: { algorithms: ['HS256'] },
    });

    app.decorate('authenticate', async (req: FastifyRequest) => {
      if (!req.headers.authorization) throw unauthorized('Sign in first: send "Authorization: Bearer <token>"');
      try {
        await req.jwtVerify();
      } catch (err) {
        const expired = (err as { code?: string }).code === 'FST_JWT_AUTHORIZATION_TOKEN_EXPIRED';
        throw unauthorized(expired ? 'Your session has expired: refresh the token or sign in again' : 'Invalid token', expired ? 'TokenExpired' : 'InvalidToken');
      }
    });

    app.decorate('requireAdmin', async (req: FastifyRequest) => {
      if (!req.user?.admin) throw forbidden('Only administrators can do this');
    });
  },
  { name: 'jwt-auth' },
);
