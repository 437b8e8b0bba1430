// With PORTAL_SECRET set, X-Forwarded-For is believed only from requests that carry the secret (the
// portal, or a reverse proxy told to send it) and come from a peer TRUST_PROXY trusts. Without the
// secret, any local process could claim to be the portal (TRUST_PROXY=loopback under `npm start`) and
// rotate X-Forwarded-For to dodge the sign-in limits (issue 11). Unset: TRUST_PROXY alone decides.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export const PORTAL_SECRET_HEADER = 'x-d011dl-portal-secret';
const FORWARDED = ['x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto'];
const digest = (s: string) => createHash('sha256').update(s).digest();

export default fp(async function portalSecret(app: FastifyInstance, opts: { secret: string | undefined }) {
  const expected = opts.secret === undefined ? undefined : digest(opts.secret);
  let warned = false;
  app.addHook('onRequest', async (req) => {
    const given = req.raw.headers[PORTAL_SECRET_HEADER];
    // never seen by anything after this hook (logs, handlers)
    delete req.raw.headers[PORTAL_SECRET_HEADER];
    if (!expected) return;
    if (typeof given === 'string' && timingSafeEqual(digest(given), expected)) return;
    // Fastify reads these lazily (req.ip, req.host, req.protocol), so removing them now is enough
    for (const h of FORWARDED) delete req.raw.headers[h];
    if (given !== undefined && !warned) {
      warned = true;
      req.log.warn('a request carried a wrong portal secret: is PORTAL_SECRET the same for the API and the portal?');
    }
  });
});
