// The signed-in user's Account page (issue 17): change one's password, and one's own Hugging Face token
// (used for their browsing and downloads instead of the server's HF_TOKEN). The token is sent to the
// API once and never shown again; the page shows only the Hub account it belongs to.
import { Router, type Request, type Response } from 'express';
import { ChangePasswordResponseSchema, EmailNotificationsSchema, HfTokenStatusSchema, NotifyEventSchema, SetHfTokenResponseSchema } from '@d011dl/contract';
import { z } from 'zod';
import { apiRefusal, page, str, type RouterDeps } from './shared.ts';

type Section = 'password' | 'hf' | 'email';

export function accountRouter({ api }: RouterDeps): Router {
  const router = Router();

  async function show(req: Request, res: Response, extra: { error?: string | null; errorIn?: Section } = {}) {
    const hf = await api.call(req, res, 'GET', '/me/hf-token', HfTokenStatusSchema);
    const email = await api.call(req, res, 'GET', '/me/notifications', EmailNotificationsSchema);
    // the form may have held a token or passwords: nothing of it is to be kept by a browser or proxy
    res.set('cache-control', 'no-store');
    page(res, 'account', {
      title: 'Account',
      hf,
      email,
      notice: str(req.query.notice) || null,
      error: extra.error ?? null,
      errorIn: extra.errorIn ?? null,
    });
  }

  router.get('/account', (req, res) => show(req, res));

  const done = (res: Response, notice: string) => res.redirect(303, `/account?${new URLSearchParams({ notice })}`);

  router.post('/account/password', async (req, res) => {
    const current = str(req.body.current_password);
    const next = str(req.body.new_password);
    if (next !== str(req.body.confirm_password)) {
      res.status(400);
      return show(req, res, { error: 'The two new passwords differ: type the same new password twice.', errorIn: 'password' });
    }
    try {
      const r = await api.call(req, res, 'PUT', '/me/password', ChangePasswordResponseSchema, { current_password: current, new_password: next });
      done(res, `Password changed.${r.sessions_ended ? ` Signed out of ${r.sessions_ended} other session${r.sessions_ended === 1 ? '' : 's'}.` : ''}`);
    } catch (err) {
      await show(req, res, { error: apiRefusal(res, err).message, errorIn: 'password' });
    }
  });

  router.post('/account/hf-token', async (req, res) => {
    try {
      const r = await api.call(req, res, 'PUT', '/me/hf-token', SetHfTokenResponseSchema, { token: str(req.body.token).trim() });
      done(res, `Hugging Face token saved: Hub account ${r.hub_user}.`);
    } catch (err) {
      await show(req, res, { error: apiRefusal(res, err).message, errorIn: 'hf' });
    }
  });

  // e-mail about my own downloads (sent through the server's SMTP_URL); an empty address stops them
  router.post('/account/email', async (req, res) => {
    const address = str(req.body.email).trim();
    const picked = ([] as unknown[]).concat(req.body.events ?? []).map(String);
    const events = NotifyEventSchema.options.filter((e) => picked.includes(e));
    try {
      await api.call(req, res, 'PUT', '/me/notifications', EmailNotificationsSchema, { email: address || null, events: address ? events : [] });
      done(res, address ? `E-mail notifications go to ${address}.` : 'No more e-mail notifications.');
    } catch (err) {
      await show(req, res, { error: apiRefusal(res, err).message, errorIn: 'email' });
    }
  });

  router.post('/account/hf-token/remove', async (req, res) => {
    await api.call(req, res, 'DELETE', '/me/hf-token', z.unknown());
    done(res, "Hugging Face token removed: your downloads use the server's token, if it has one.");
  });

  return router;
}
