// Personal access tokens: HF_TOKEN for the mirror (mirror:read) or a Bearer token for scripts (api).
// A new token is shown on the answer to its creation only; the API keeps just its hash.
import { Router, type Request, type Response } from 'express';
import { CreateTokenResponseSchema, TokenListSchema, mirrorEndpoint, type CreateTokenResponse } from '@d011dl/contract';
import { z } from 'zod';
import { apiRefusal, guardId, page, str, type RouterDeps } from './shared.ts';

/** The mirror's address as this browser reaches the server: its host name, the API's port. */
export const endpointFor = (req: Request, apiBase: string) => mirrorEndpoint(req.hostname, new URL(apiBase).port || 32002, 'http');

export function tokensRouter({ api, apiBase }: RouterDeps): Router {
  const router = Router();
  guardId(router, 'token');

  async function show(req: Request, res: Response, extra: { created?: CreateTokenResponse; error?: string | null; notice?: string | null } = {}) {
    const r = await api.call(req, res, 'GET', '/auth/tokens', TokenListSchema);
    // a page holding a token must not be kept by the browser or a proxy
    res.set('cache-control', 'no-store');
    page(res, 'tokens', {
      title: 'Tokens',
      tokens: r.tokens,
      created: extra.created ?? null,
      endpoint: endpointFor(req, apiBase),
      notice: extra.notice ?? (str(req.query.notice) || null),
      error: extra.error ?? null,
    });
  }

  router.get('/tokens', (req, res) => show(req, res));

  router.post('/tokens', async (req, res) => {
    try {
      const scope = str(req.body.scope) === 'api' ? 'api' : 'mirror:read';
      const created = await api.call(req, res, 'POST', '/auth/tokens', CreateTokenResponseSchema, { name: str(req.body.name).trim(), scope });
      // rendered, not redirected: the token is in this answer and nowhere else
      await show(req, res, { created });
    } catch (err) {
      await show(req, res, { error: apiRefusal(res, err).message });
    }
  });

  router.post('/tokens/:id/revoke', async (req, res) => {
    await api.call(req, res, 'DELETE', `/auth/tokens/${req.params.id}`, z.unknown());
    res.redirect(303, `/tokens?${new URLSearchParams({ notice: 'Token revoked: it no longer works.' })}`);
  });

  return router;
}
