import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

// One line per request with what an operator needs (method, route, status, ms, the client's address as
// TRUST_PROXY lets the API see it) and nothing that could carry a secret: no headers, no bodies, no
// query strings (which may hold tokens).
export default fp(async function requestLog(app: FastifyInstance) {
  app.addHook('onResponse', async (req, reply) => {
    req.log.info(
      {
        method: req.method,
        route: req.routeOptions.url ?? '(unmatched)',
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
        ip: req.ip,
      },
      'request',
    );
  });
});
