// Sign in, register (the first account is the administrator), sign out. No session needed here.
import { Router } from 'express';
import { AuthConfigResponseSchema, LoginResponseSchema, RegisterResponseSchema } from '@d011dl/contract';
import { z } from 'zod';
import { clearSessionCookies, REFRESH_COOKIE, setSessionCookies } from '../api-client.ts';
import { apiRefusal, page, str, type RouterDeps } from './shared.ts';

const safeNext = (v: unknown) => (typeof v === 'string' && v.startsWith('/') && !v.startsWith('//') && !v.startsWith('/\\') ? v : '/');

export function authRouter({ api }: RouterDeps): Router {
  const router = Router();
  const authConfig = () => api.anon('GET', '/auth/config', AuthConfigResponseSchema).catch(() => ({ registration_open: false, setup_required: false }));

  router.get('/login', async (req, res) => {
    const cfg = await authConfig();
    // a new installation: there is nobody to log in as yet
    if (cfg.setup_required) return res.redirect('/register');
    page(res, 'login', {
      title: 'Log in',
      mode: 'login',
      next: safeNext(req.query.next),
      username: '',
      registrationOpen: cfg.registration_open,
      notice: req.query.registered ? 'Account created. Log in with it.' : null,
    });
  });

  router.get('/register', async (_req, res) => {
    const cfg = await authConfig();
    if (!cfg.registration_open) return res.redirect('/login');
    page(res, 'login', {
      title: cfg.setup_required ? 'Create the administrator account' : 'Register',
      mode: 'register',
      setup: cfg.setup_required,
      next: '/',
      username: '',
      registrationOpen: true,
      notice: cfg.setup_required ? 'Welcome to D011DL. No account exists yet: the first one you create is the administrator.' : null,
    });
  });

  router.post('/login', async (req, res) => {
    const username = str(req.body.username).trim();
    const next = safeNext(req.body.next);
    try {
      const r = await api.anon('POST', '/auth/login', LoginResponseSchema, { username, password: str(req.body.password) }, req);
      setSessionCookies(req, res, r);
      res.redirect(303, next);
    } catch (err) {
      const refused = apiRefusal(res, err);
      page(res, 'login', {
        title: 'Log in',
        mode: 'login',
        next,
        username,
        registrationOpen: (await authConfig()).registration_open,
        error: refused.message,
        notice: null,
      });
    }
  });

  router.post('/register', async (req, res) => {
    const username = str(req.body.username).trim();
    const password = str(req.body.password);
    try {
      await api.anon('POST', '/auth/register', RegisterResponseSchema, { username, password }, req);
      const r = await api.anon('POST', '/auth/login', LoginResponseSchema, { username, password }, req);
      setSessionCookies(req, res, r);
      res.redirect(303, '/');
    } catch (err) {
      const refused = apiRefusal(res, err);
      page(res, 'login', { title: 'Register', mode: 'register', next: '/', username, registrationOpen: true, error: refused.message, notice: null });
    }
  });

  router.post('/logout', async (req, res) => {
    const rt = req.cookies?.[REFRESH_COOKIE];
    if (rt) await api.anon('POST', '/auth/logout', z.unknown(), { refresh_token: rt }, req).catch(() => {});
    clearSessionCookies(req, res);
    res.redirect(303, '/login');
  });

  return router;
}
