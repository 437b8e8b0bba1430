import jwt from '@fastify/jwt';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { z } from 'zod';
import { forbidden, unauthorized } from '../http-errors.ts';

/** What an access token says. Only `sub` and `sid` are believed; the rest is for display. */
export interface AccessClaims {
  sub: string;
  /** the sign-in session (refresh-token family) the token belongs to */
  sid: string;
  username: string;
  admin: boolean;
}

/** Who is calling, as the database says now (not as the token said when it was issued). */
export interface Principal {
  sub: string;
  sid: string;
  username: string;
  admin: boolean;
  /** set when the caller sent a personal access token (auth/access-tokens.service.ts) instead of a session token */
  scope?: 'mirror:read' | 'api';
}

/** Looks the token's user and session up; an HttpError (401) when either is gone or disabled. */
export type LoadPrincipal = (userId: string, sessionId: string) => Promise<Principal>;

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: AccessClaims;
    user: Principal;
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    authenticate(req: FastifyRequest, reply: FastifyReply): Promise<void>;
    requireAdmin(req: FastifyRequest, reply: FastifyReply): Promise<void>;
    /** Whether the caller authenticated earlier is still allowed in now (not disabled, deleted or signed out). */
    stillSignedIn(req: FastifyRequest): Promise<boolean>;
  }
}

const Claims = z.object({ sub: z.uuid(), sid: z.uuid() });

export default fp(
  async function jwtAuth(
    app: FastifyInstance,
    opts: {
      secret: string;
      accessTokenTtlS: number;
      loadPrincipal: LoadPrincipal;
      /** personal access tokens: a Bearer value this accepts is looked up, not verified as a JWT */
      accessTokens?: { accepts(value: string): boolean; principal(value: string): Promise<Principal> };
    },
  ) {
    await app.register(jwt, {
      secret: opts.secret,
      // HS256 only: tokens claiming "none" or another algorithm are refused by the verifier. A token
      // without an expiry would be valid forever: refused too.
      sign: { algorithm: 'HS256', expiresIn: opts.accessTokenTtlS },
      verify: { algorithms: ['HS256'], requiredClaims: ['exp', 'sub', 'sid'] },
    });

    app.decorate('authenticate', async (req: FastifyRequest) => {
      if (!req.headers.authorization) throw unauthorized('Sign in first: send "Authorization: Bearer <token>"');
      const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization)?.[1];
      if (bearer && opts.accessTokens?.accepts(bearer)) {
        const p = await opts.accessTokens.principal(bearer);
        if (p.scope !== 'api') throw forbidden('This token only reads the mirror (scope "mirror:read"): create a token with scope "api" for the API');
        req.user = p;
        return;
      }
      let claims: AccessClaims;
      try {
        claims = await req.jwtVerify<AccessClaims>();
      } catch (err) {
        const expired = (err as { code?: string }).code === 'FST_JWT_AUTHORIZATION_TOKEN_EXPIRED';
        throw unauthorized(
          expired ? 'Your session has expired: refresh the token or sign in again' : 'Invalid token',
          expired ? 'TokenExpired' : 'InvalidToken',
        );
      }
      // a well-signed token with a malformed id is still not one we issued
      if (!Claims.safeParse(claims).success) throw unauthorized('Invalid token', 'InvalidToken');
      req.user = await opts.loadPrincipal(claims.sub, claims.sid);
    });

    // A long-lived answer (an event stream) asks again from time to time: the token's expiry does not
    // matter there (it was valid when the stream opened), the account and the session do.
    app.decorate('stillSignedIn', async (req: FastifyRequest) => {
      try {
        const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
        if (req.user.scope) await opts.accessTokens?.principal(bearer ?? '');
        else await opts.loadPrincipal(req.user.sub, req.user.sid);
        return true;
      } catch {
        return false;
      }
    });

    // req.user.admin comes from the database (authenticate), so a demoted admin loses the right at once
    app.decorate('requireAdmin', async (req: FastifyRequest) => {
      if (!req.user?.admin) throw forbidden('Only administrators can do this');
    });
  },
  { name: 'jwt-auth' },
);
