// Account management for administrators: list users, disable or enable them, make or unmake
// administrators, set a new password, create an account. The API decides who may (403 otherwise).
import type { Express, Request, Response } from 'express';
import type { AdminUsersResponse, User } from '@d011dl/contract';
import { ApiError, type ApiClient } from './api-client.ts';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const str = (v: unknown) => (typeof v === 'string' ? v : '');

export function adminPages(app: Express, deps: { api: ApiClient; page: (res: Response, view: string, locals: Record<string, unknown>) => void }) {
  const { api, page } = deps;

  async function show(req: Request, res: Response, extra: { notice?: string | null; error?: string | null; status?: number } = {}) {
    const me = res.locals.user as User;
    if (!me.is_admin) throw new ApiError(403, 'Forbidden', 'Only administrators can manage accounts.');
    const r = await api.call<AdminUsersResponse>(req, res, 'GET', '/admin/users');
    if (extra.status) res.status(extra.status);
    page(res, 'users', { title: 'Users', users: r.users, me, notice: extra.notice ?? (str(req.query.notice) || null), error: extra.error ?? null });
  }

  app.get('/users', (req, res) => show(req, res));

  // Every change goes back to the list with a notice; the API's refusal (e.g. the last admin) is shown there.
  async function change(req: Request, res: Response, body: Record<string, unknown>, done: (u: User) => string) {
    const id = String(req.params.id);
    if (!uuid.test(id)) throw new ApiError(404, 'NotFound', 'No such user.');
    try {
      const u = await api.call<User>(req, res, 'PATCH', `/admin/users/${id}`, body);
      res.redirect(303, `/users?${new URLSearchParams({ notice: done(u) })}`);
    } catch (err) {
      if (!(err instanceof ApiError) || err.status >= 500 || err.status === 403) throw err;
      await show(req, res, { error: err.message, status: err.status });
    }
  }

  app.post('/users/:id/disable', (req, res) => change(req, res, { disabled: true }, (u) => `${u.username} is disabled and signed out everywhere.`));
  app.post('/users/:id/enable', (req, res) => change(req, res, { disabled: false }, (u) => `${u.username} can sign in again.`));
  app.post('/users/:id/admin', (req, res) => {
    const grant = req.body.is_admin === 'true';
    return change(req, res, { is_admin: grant }, (u) => (grant ? `${u.username} is now an administrator.` : `${u.username} is no longer an administrator.`));
  });
  app.post('/users/:id/password', (req, res) => change(req, res, { password: str(req.body.password) }, (u) => `New password set for ${u.username}; their sessions have ended.`));

  app.post('/users', async (req, res) => {
    const username = str(req.body.username).trim();
    try {
      const u = await api.call<User>(req, res, 'POST', '/admin/users', { username, password: str(req.body.password), is_admin: req.body.is_admin === 'true' });
      res.redirect(303, `/users?${new URLSearchParams({ notice: `Account ${u.username} created.` })}`);
    } catch (err) {
      if (!(err instanceof ApiError) || err.status >= 500 || err.status === 403) throw err;
      await show(req, res, { error: err.message, status: err.status });
    }
  });
}
