// A known path asked with a method it does not serve is a 405 with Allow, not a 404: the client has
// the right address and the wrong verb (RFC 9110 §15.5.6).
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

const toPattern = (url: string) =>
  new RegExp(
    `^${url
      .split('/')
      .map((seg) => (seg.startsWith(':') ? '[^/]+' : seg === '*' ? '.*' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('/')}$`,
  );

export default fp(async function methodNotAllowed(app: FastifyInstance) {
  const routes = new Map<string, { pattern: RegExp; methods: Set<string> }>();
  app.addHook('onRoute', (r) => {
    let entry = routes.get(r.url);
    if (!entry) routes.set(r.url, (entry = { pattern: toPattern(r.url), methods: new Set() }));
    for (const m of [r.method].flat()) entry.methods.add(m);
  });

  app.addHook('onRequest', async (req, reply) => {
    const path = req.url.split('?')[0]!;
    // a fixed route (/downloads/batch) is not also the parametric one beside it (/downloads/:id): a GET
    // of it that the router gave to /downloads/:id is a method that path does not serve
    const exact = routes.get(path);
    if (!req.is404 && !(exact && req.routeOptions.url !== path)) return;
    const allowed = new Set<string>();
    for (const r of exact ? [exact] : routes.values()) if (r.pattern.test(path)) for (const m of r.methods) allowed.add(m);
    if (allowed.size === 0) return;
    const allow = [...allowed].sort().join(', ');
    return reply
      .code(405)
      .header('allow', allow)
      .send({ statusCode: 405, error: 'MethodNotAllowed', message: `${req.method} is not allowed on ${path}; it answers ${allow}` });
  });
});
