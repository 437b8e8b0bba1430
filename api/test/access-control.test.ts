import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { bcryptPool } from '../src/auth/bcrypt-pool.ts';
import { bearer, registerAndLogin, startTestApp, type TestApp } from './helpers/app.ts';
import { adminQuery } from './helpers/db.ts';

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());

describe('access control', () => {
  let t: TestApp;
  let root: Awaited<ReturnType<typeof registerAndLogin>>;
  const sql = (text: string, params: unknown[] = []) => adminQuery(text, params, t.config.pg!.database);
  const post = (url: string, payload: object, headers = {}) => t.app.inject({ method: 'POST', url, payload, headers });
  const patch = (id: string, payload: object, token = root.token) =>
    t.app.inject({ method: 'PATCH', url: `/admin/users/${id}`, payload, headers: bearer(token) });
  const me = (token: string) => t.app.inject({ url: '/auth/me', headers: bearer(token) });
  const sign = (payload: object) => {
    const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}`;
    return `${head}.${createHmac('sha256', t.config.auth.jwtSecret!).update(head).digest('base64url')}`;
  };
  async function user(username: string, isAdmin = false) {
    const password = `${username}-password`;
    const created = await post('/admin/users', { username, password, is_admin: isAdmin }, bearer(root.token));
    assert.equal(created.statusCode, 201, created.body);
    const login = (await post('/auth/login', { username, password })).json();
    return { id: login.user.id as string, token: login.token as string, refresh: login.refresh_token as string, password };
  }

  before(async () => {
    t = await startTestApp({ LOGIN_RATE_LIMIT: '1000' });
    root = await registerAndLogin(t.app, 'root', 'root-password');
  });
  after(() => t.close());

  it('refuses well-signed tokens without exp, with a malformed sub, or for a user that does not exist', async () => {
    const { sid } = claimsOf(root.token);
    const now = Math.floor(Date.now() / 1000);
    const base = { sub: root.userId, sid, username: 'root', admin: true, iat: now, exp: now + 600 };
    assert.equal((await me(sign(base))).statusCode, 200, 'the control: these claims, well signed, are accepted');
    const { exp: _, ...noExp } = base;
    for (const [name, claims] of [
      ['no exp', noExp],
      ['no sid', { ...base, sid: undefined }],
      ['sub not a UUID', { ...base, sub: 'root' }],
      ['sub an object', { ...base, sub: { id: 1 } }],
      ['sid not a UUID', { ...base, sid: "1' OR '1'='1" }],
    ] as const) {
      const res = await me(sign(claims));
      assert.equal(res.statusCode, 401, name);
      assert.equal(res.json().error, 'InvalidToken', name);
    }
    // a token for an unknown user, claiming admin: refused, and nothing is created with it
    const ghost = sign({ ...base, sub: '6f1d1c1e-6c1a-4b8e-9d5e-1b2c3d4e5f60', username: 'ghost' });
    const created = await post('/admin/users', { username: 'made-by-ghost', password: 'long-enough-pw' }, bearer(ghost));
    assert.equal(created.statusCode, 401);
    assert.match(created.json().message, /no longer exists/);
    assert.equal((await sql("SELECT 1 FROM users WHERE username = 'made-by-ghost'")).rowCount, 0);
  });

  it('reads admin rights from the database, not from the token', async () => {
    const bob = await user('bob');
    const forged = sign({ ...claimsOf(bob.token), admin: true });
    const res = await t.app.inject({ url: '/admin/users', headers: bearer(forged) });
    assert.equal(res.statusCode, 403);
    // promoted: the same (unchanged) token works at once; demoted: refused at once
    assert.equal((await patch(bob.id, { is_admin: true })).json().is_admin, true);
    const nothing = await patch(bob.id, {});
    assert.equal(nothing.statusCode, 400);
    assert.equal(nothing.json().message, 'The request body must change something: disabled, administrator or password');
    assert.equal((await t.app.inject({ url: '/admin/users', headers: bearer(bob.token) })).statusCode, 200);
    assert.equal((await patch(bob.id, { is_admin: false })).statusCode, 200);
    assert.equal((await t.app.inject({ url: '/admin/users', headers: bearer(bob.token) })).statusCode, 403);
  });

  it('logout ends the access token of that session, not the other sessions', async () => {
    const carol = await user('carol');
    const other = (await post('/auth/login', { username: 'carol', password: carol.password })).json();
    assert.equal((await post('/auth/logout', { refresh_token: carol.refresh })).statusCode, 204);
    const res = await me(carol.token);
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().error, 'SessionEnded');
    assert.equal((await me(other.token)).statusCode, 200, 'the other sign-in goes on');
  });

  it('a disabled user is out at once, cannot sign in or refresh, and is back when enabled', async () => {
    const dave = await user('dave');
    assert.equal((await me(dave.token)).statusCode, 200);
    const disabled = await patch(dave.id, { disabled: true });
    assert.equal(disabled.statusCode, 200);
    assert.equal(disabled.json().disabled, true);
    const next = await me(dave.token);
    assert.equal(next.statusCode, 401);
    assert.equal(next.json().error, 'AccountDisabled');
    assert.match(next.json().message, /disabled/);
    assert.equal((await post('/auth/refresh', { refresh_token: dave.refresh })).statusCode, 401);
    const login = await post('/auth/login', { username: 'dave', password: dave.password });
    assert.equal(login.statusCode, 401);
    assert.match(login.json().message, /disabled: ask an administrator/);
    const wrong = await post('/auth/login', { username: 'dave', password: 'not-his-password' });
    assert.doesNotMatch(wrong.json().message, /disabled/, 'only the right password learns the account is disabled');
    assert.equal((await patch(dave.id, { disabled: false })).json().disabled, false);
    assert.equal((await post('/auth/login', { username: 'dave', password: dave.password })).statusCode, 200);
  });

  it('an admin resets a password: old sessions end, the new password works', async () => {
    const erin = await user('erin');
    assert.equal((await patch(erin.id, { password: 'a-brand-new-password' })).statusCode, 200);
    assert.equal((await me(erin.token)).statusCode, 401);
    assert.equal((await post('/auth/login', { username: 'erin', password: erin.password })).statusCode, 401);
    assert.equal((await post('/auth/login', { username: 'erin', password: 'a-brand-new-password' })).statusCode, 200);
    assert.equal((await patch(erin.id, { password: 'short' })).statusCode, 400);
    assert.equal((await patch(erin.id, {})).statusCode, 400);
  });

  it('lists users for admins only; nobody locks the last admin out', async () => {
    const frank = await user('frank');
    const list = await t.app.inject({ url: '/admin/users', headers: bearer(root.token) });
    assert.equal(list.statusCode, 200);
    assert.ok(list.json().users.some((u: { username: string }) => u.username === 'frank'));
    assert.doesNotMatch(list.body, /password|\$2[aby]\$/);
    assert.equal((await t.app.inject({ url: '/admin/users', headers: bearer(frank.token) })).statusCode, 403);
    assert.equal((await patch(root.userId, { disabled: true }, frank.token)).statusCode, 403);
    assert.equal((await patch(root.userId, { password: 'x' }, frank.token)).statusCode, 403, 'refused before the body is looked at');
    const self = await patch(root.userId, { disabled: true });
    assert.equal(self.statusCode, 409);
    assert.equal(self.json().error, 'SelfLockout');
    assert.equal((await patch('00000000-0000-4000-8000-000000000000', { disabled: true })).statusCode, 404);
    // with a second admin, that one may demote root; then root may not demote the last one
    const grace = await user('grace', true);
    assert.equal((await patch(root.userId, { is_admin: false }, grace.token)).statusCode, 200);
    assert.equal((await patch(grace.id, { is_admin: false }, grace.token)).json().error, 'SelfLockout');
    assert.equal((await patch(root.userId, { is_admin: true }, grace.token)).statusCode, 200);
  });

  it('refuses a closed registration without hashing a password', async () => {
    const before = bcryptPool.started;
    const closed = await Promise.all(Array.from({ length: 20 }, (_, i) => post('/auth/register', { username: `flood${i}`, password: 'long-enough-pw' })));
    assert.deepEqual([...new Set(closed.map((r) => r.statusCode))], [403]);
    assert.equal(bcryptPool.started, before, 'no password was hashed');
  });

  it('registration and login share one rate limit', async () => {
    const t2 = await startTestApp({ LOGIN_RATE_LIMIT: '2', ALLOW_REG: 'true' });
    try {
      const reg = (username: string) => t2.app.inject({ method: 'POST', url: '/auth/register', payload: { username, password: 'long-enough-pw' } });
      assert.equal((await reg('anna')).statusCode, 201);
      const before = bcryptPool.started;
      assert.equal((await reg('anna')).statusCode, 409, 'taken');
      assert.equal((await reg('anna')).statusCode, 429, 'two attempts for anna from this address were the limit');
      const login = await t2.app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'anna', password: 'long-enough-pw' } });
      assert.equal(login.statusCode, 429, 'login counts the registrations');
      assert.match(login.json().message, /Too many sign-in attempts/);
      assert.equal(bcryptPool.started, before, 'neither the taken name nor the refusals hashed a password');
    } finally {
      await t2.close();
    }
  });

  describe('rescan and mark-missing', () => {
    let model: string;
    let owner: Awaited<ReturnType<typeof user>>;
    let stranger: Awaited<ReturnType<typeof user>>;
    before(async () => {
      owner = await user('owner');
      stranger = await user('stranger');
      model = (await sql("INSERT INTO models (author, repo, revision) VALUES ('acme', 'm', 'main') RETURNING id")).rows[0].id;
      await sql("INSERT INTO model_files (model_id, path, size_bytes, sha256, is_lfs, status) VALUES ($1, 'a.bin', 3, $2, true, 'done')", [
        model,
        'f'.repeat(64),
      ]);
      await sql("INSERT INTO downloads (user_id, model_id, status) VALUES ($1, $2, 'succeeded')", [owner.id, model]);
      const dir = path.join(t.config.storageRoot, 'acme', 'm', 'main');
      await mkdir(dir, { recursive: true });
      await writeFile(path.join(dir, 'a.bin'), 'abc');
    });
    const rescan = (token: string, hashes: boolean) => post('/db/rescan', { model_id: model, hashes }, bearer(token));

    it('a size rescan is open to whoever downloaded the model, and to admins', async () => {
      assert.equal((await rescan(owner.token, false)).statusCode, 200);
      assert.equal((await rescan(root.token, false)).statusCode, 200);
      const res = await rescan(stranger.token, false);
      assert.equal(res.statusCode, 403);
      assert.match(res.json().message, /only models you downloaded/);
    });

    it('rescan with hashes and mark-missing are for admins', async () => {
      const hashed = await rescan(owner.token, true);
      assert.equal(hashed.statusCode, 403);
      assert.match(hashed.json().message, /Only administrators can rescan with hashes/);
      const marked = await post('/db/mark-missing', { model_id: model }, bearer(owner.token));
      assert.equal(marked.statusCode, 403);
      assert.match(marked.json().message, /Only administrators can mark missing files/);
      const status = (await sql('SELECT status FROM model_files WHERE model_id = $1', [model])).rows[0].status;
      assert.equal(status, 'done', 'nothing changed');
      assert.equal((await post('/db/mark-missing', { model_id: model }, bearer(root.token))).statusCode, 200);
      assert.equal((await rescan(root.token, true)).statusCode, 200);
    });

    it('one hash rescan per model at a time, across instances', async () => {
      // another instance running a hash rescan of this model holds this lock
      const other = new pg.Client({ ...t.config.pg!, database: t.config.pg!.database });
      await other.connect();
      try {
        await other.query("SELECT pg_advisory_lock(hashtextextended('d011dl:rescan:' || $1, 0))", [model]);
        const busy = await rescan(root.token, true);
        assert.equal(busy.statusCode, 409);
        assert.match(busy.json().message, /already running/);
        assert.equal((await rescan(root.token, false)).statusCode, 200, 'a size rescan does not wait for it');
        await other.query("SELECT pg_advisory_unlock(hashtextextended('d011dl:rescan:' || $1, 0))", [model]);
        assert.equal((await rescan(root.token, true)).statusCode, 200);
      } finally {
        await other.end();
      }
    });
  });
});
