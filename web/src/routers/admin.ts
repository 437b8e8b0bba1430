// Account management for administrators: list users, disable or enable them, make or unmake
// administrators, set a new password, create an account, delete one (after a confirmation page).
// The API decides who may (403 otherwise) and refuses the self and last-administrator cases in words.
import { Router, type Request, type Response } from 'express';
import { AdminUsersResponseSchema, UserSchema, type User } from '@d011dl/contract';
import { z } from 'zod';
import { ApiError } from '../api-client.ts';
import { guardId, page, str, type RouterDeps } from './shared.ts';

export function adminRouter({ api }: RouterDeps): Router {
  const router = Router();
  guardId(router, 'user');

  async function show(req: Request, res: Response, extra: { notice?: string | null; error?: string | null; status?: number } = {}) {
    const me = res.locals.user as User;
    if (!me.is_admin) throw new ApiError(403, 'Forbidden', 'Only administrators can manage accounts.');
    const r = await api.call(req, res, 'GET', '/admin/users', AdminUsersResponseSchema);
    if (extra.status) res.status(extra.status);
    page(res, 'users', { title: 'Users', users: r.users, me, notice: extra.notice ?? (str(req.query.notice) || null), error: extra.error ?? null });
  }

  // Every change goes back to the list with a notice; the API's refusal (e.g. the last admin) is shown
  // there, except a 403 or a failure of the API itself, which get the error page.
  async function thenList(req: Request, res: Response, act: () => Promise<string>) {
    try {
      const notice = await act();
      res.redirect(303, `/users?${new URLSearchParams({ notice })}`);
    } catch (err) {
      if (!(err instanceof ApiError) || err.status >= 500 || err.status === 403) throw err;
      await show(req, res, { error: err.message, status: err.status });
    }
  }

  const change = (req: Request, res: Response, body: Record<string, unknown>, done: (u: User) => string) =>
    thenList(req, res, async () => done(await api.call(req, res, 'PATCH', `/admin/users/${req.params.id}`, UserSchema, body)));

  router.get('/users', (req, res) => show(req, res));
  // the administration pages live under /admin/…; the users page kept its older, shorter address
  router.get('/admin/users', (_req, res) => res.redirect(301, '/users'));

  router.get('/users/:id/delete', async (req, res) => {
    const me = res.locals.user as User;
    if (!me.is_admin) throw new ApiError(403, 'Forbidden', 'Only administrators can manage accounts.');
    const u = (await api.call(req, res, 'GET', '/admin/users', AdminUsersResponseSchema)).users.find((x) => x.id === req.params.id);
    if (!u) throw new ApiError(404, 'NotFound', 'No such user.');
    page(res, 'confirm-delete-user', { title: `Delete ${u.username}`, u, self: u.id === me.id });
  });
  router.post('/users/:id/delete', (req, res) =>
    thenList(req, res, async () => {
      const u = (await api.call(req, res, 'GET', '/admin/users', AdminUsersResponseSchema)).users.find((x) => x.id === req.params.id);
      if (!u) throw new ApiError(404, 'NotFound', 'No such user: it may have been deleted already.');
      await api.call(req, res, 'DELETE', `/admin/users/${u.id}`, z.unknown());
      return `The account ${u.username} is deleted; its downloads stay, shown as "deleted user".`;
    }),
  );
  router.post('/users/:id/disable', (req, res) => change(req, res, { disabled: true }, (u) => `${u.username} is disabled and signed out everywhere.`));
  router.post('/users/:id/enable', (req, res) => change(req, res, { disabled: false }, (u) => `${u.username} can sign in again.`));
  router.post('/users/:id/admin', (req, res) => {
    const grant = req.body.is_admin === 'true';
    return change(req, res, { is_admin: grant }, (u) => (grant ? `${u.username} is now an administrator.` : `${u.username} is no longer an administrator.`));
  });
  router.post('/users/:id/password', (req, res) =>
    change(req, res, { password: str(req.body.password) }, (u) => `New password set for ${u.username}; their sessions have ended.`),
  );

  router.post('/users', (req, res) =>
    thenList(req, res, async () => {
      const u = await api.call(req, res, 'POST', '/admin/users', UserSchema, {
        username: str(req.body.username).trim(),
        password: str(req.body.password),
        is_admin: req.body.is_admin === 'true',
      });
      return `Account ${u.username} created.`;
    }),
  );

  return router;
}
