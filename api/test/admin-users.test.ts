// Administration of accounts (issue 17): deleting a user, a disabled user locked out at once (API,
// refresh and a running event stream), and the audit log recording who did what, without a secret.
// Real PostgreSQL, the Hub simulator over HTTP, the API listening on a real port for the event stream.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startHubSim, type HubSim } from '@d011dl/hubsim';
import type { AuditEntry } from '@d011dl/contract';
import { bearer, registerAndLogin, startTestApp, type TestApp } from './helpers/app.ts';
import { waitForStatus } from './helpers/downloads.ts';

const ROOT_PW = 'correct horse battery';
const BOB_PW = 'bob-password-1';
const CAROL_PW = 'carol-password-1';

describe('users: delete, lock-out, audit log', () => {
  let sim: HubSim;
  let t: TestApp;
  let base: string;
  let url: string;
  let root: { token: string; refresh: string; userId: string };
  let bob: { token: string; refresh: string; id: string };
  let bobsDownload: string;
  const secrets: string[] = [ROOT_PW, BOB_PW, CAROL_PW, 'wrong-password-1'];

  const call = (method: string, u: string, token: string, payload?: unknown, ip?: string) =>
    t.app.inject({ method: method as 'GET', url: u, headers: bearer(token), ...(payload ? { payload } : {}), ...(ip ? { remoteAddress: ip } : {}) });
  const login = async (username: string, password: string, ip = '127.0.0.1') =>
    t.app.inject({ method: 'POST', url: '/auth/login', payload: { username, password }, remoteAddress: ip });
  const audit = async (query = ''): Promise<AuditEntry[]> => {
    const r = await call('GET', `/admin/audit?limit=200${query}`, root.token);
    assert.equal(r.statusCode, 200, r.body);
    return r.json().entries;
  };

  before(async () => {
    sim = await startHubSim();
    base = await mkdtemp(path.join(os.tmpdir(), 'd011dl-users-'));
    await mkdir(path.join(base, 'nas'));
    t = await startTestApp({ HF_ENDPOINT: sim.url, STORAGE_ROOTS: `nas=${path.join(base, 'nas')}`, DISK_RESERVE_MB: '0' });
    url = await t.app.listen({ host: '127.0.0.1', port: 0 });
    root = await registerAndLogin(t.app, 'root', ROOT_PW);
    secrets.push(root.token, root.refresh);
    const made = await call('POST', '/admin/users', root.token, { username: 'bob', password: BOB_PW });
    assert.equal(made.statusCode, 201, made.body);
    const l = await login('bob', BOB_PW);
    assert.equal(l.statusCode, 200, l.body);
    bob = { token: l.json().token, refresh: l.json().refresh_token, id: l.json().user.id };
    secrets.push(bob.token, bob.refresh);
  });
  after(async () => {
    await t.close();
    await sim.close();
    await rm(base, { recursive: true, force: true });
  });

  it("records bob's download, a move and a delete with their actors", async () => {
    const d = await call('POST', '/downloads', bob.token, { author: 'acme', repo: 'tiny-model', revision: 'main' }, '10.0.0.7');
    assert.equal(d.statusCode, 202, d.body);
    assert.equal((await waitForStatus(t.app, bob.token, d.json().download_id, ['succeeded', 'failed'])).status, 'succeeded');
    // a second one, kept to the end: deleting a revision takes its jobs' history with it
    const kept = await call('POST', '/downloads', bob.token, { author: 'acme', repo: 'tiny-model', revision: 'v1.0' });
    assert.equal(kept.statusCode, 202, kept.body);
    bobsDownload = kept.json().download_id;
    assert.equal((await waitForStatus(t.app, bob.token, bobsDownload, ['succeeded', 'failed'])).status, 'succeeded');
    const modelId = (await call('GET', '/db/models?author=acme&repo=tiny-model', root.token))
      .json()
      .find((m: { revision: string }) => m.revision === 'main').id;
    const move = await call('POST', `/db/models/${modelId}/move`, root.token, { to: 'nas' });
    assert.equal(move.statusCode, 202, move.body);
    assert.equal((await waitForStatus(t.app, root.token, move.json().download_id, ['succeeded', 'failed'])).status, 'succeeded');
    const del = await call('DELETE', `/db/models/${move.json().model_id}`, root.token);
    assert.equal(del.statusCode, 200, del.body);

    const [deleted] = await audit('&action=model.delete');
    assert.equal(deleted?.actor.username, 'root');
    assert.equal(deleted?.target, 'acme/tiny-model@main');
    assert.equal(deleted?.details.storage, 'nas');
    assert.ok(Number(deleted?.details.freed_bytes) > 0);
    const [moved] = await audit('&action=model.move');
    assert.deepEqual([moved?.actor.username, moved?.target, moved?.details.from, moved?.details.to], ['root', 'acme/tiny-model@main', 'default', 'nas']);
    const started = (await audit('&action=download.start')).at(-1);
    assert.deepEqual([started?.actor.id, started?.actor.username, started?.ip, started?.target], [bob.id, 'bob', '10.0.0.7', 'acme/tiny-model@main']);
    assert.equal(started?.details.download_id, d.json().download_id);
  });

  it('records sign-ins and failed sign-ins (the name tried, the address) alike for unknown and known names', async () => {
    const wrong = await login('bob', 'wrong-password-1', '10.0.0.5');
    const unknown = await login('mallory', 'wrong-password-1', '10.0.0.5');
    assert.equal(wrong.statusCode, 401);
    assert.equal(unknown.statusCode, 401);
    assert.equal(wrong.json().message, unknown.json().message, 'the same words: nothing says whether the account exists');
    const failed = await audit('&action=auth.login_failed');
    assert.deepEqual(
      failed.map((e) => [e.actor.username, e.target, e.ip]),
      [
        [null, 'mallory', '10.0.0.5'],
        [null, 'bob', '10.0.0.5'],
      ],
    );
    const logins = await audit('&action=auth');
    assert.ok(logins.some((e) => e.action === 'auth.login' && e.actor.username === 'bob' && e.actor.id === bob.id));
    const byArea = new Set((await audit('&action=auth')).map((e) => e.action.split('.')[0]));
    assert.deepEqual([...byArea], ['auth'], 'an area filter keeps only that area');
  });

  it('records access tokens created and revoked, never the token', async () => {
    const made = await call('POST', '/auth/tokens', bob.token, { name: 'gpu-box', scope: 'api' });
    assert.equal(made.statusCode, 201, made.body);
    secrets.push(made.json().token);
    const revoked = await call('DELETE', `/auth/tokens/${made.json().id}`, bob.token);
    assert.equal(revoked.statusCode, 204);
    const [rev, created] = await audit('&action=token');
    assert.deepEqual([created?.action, created?.actor.username, created?.target, created?.details.scope], ['token.create', 'bob', 'gpu-box', 'api']);
    assert.deepEqual([rev?.action, rev?.target], ['token.revoke', 'gpu-box']);
  });

  it('records a pause (cancel) and a resume (retry) of a download', async () => {
    sim.faults.set({ bandwidthPerConn: 256 * 1024 });
    try {
      const rev = 'feature/x';
      const d = await call('POST', '/downloads', root.token, {
        author: 'acme',
        repo: 'tiny-model',
        revision: rev,
        selection: [{ path: 'model.safetensors', type: 'file' }],
      });
      assert.equal(d.statusCode, 202, d.body);
      const id = d.json().download_id;
      assert.equal((await call('POST', `/downloads/${id}/cancel`, root.token, {})).statusCode, 200);
      await waitForStatus(t.app, root.token, id, ['canceled']);
      sim.faults.reset();
      assert.equal((await call('POST', `/downloads/${id}/retry`, root.token, {})).statusCode, 200);
      assert.equal((await waitForStatus(t.app, root.token, id, ['succeeded', 'failed'])).status, 'succeeded');
      const [retry, cancel] = await audit('&action=download&actor=root');
      assert.deepEqual([cancel?.action, cancel?.target, cancel?.details.download_id], ['download.cancel', `acme/tiny-model@${rev}`, id]);
      assert.deepEqual([retry?.action, retry?.target, retry?.details.was], ['download.retry', `acme/tiny-model@${rev}`, 'canceled']);
    } finally {
      sim.faults.reset();
    }
  });

  it('locks a disabled user out at once: the next request, the refresh, and an open event stream', async () => {
    const stream = await fetch(`${url}/downloads/events`, { headers: bearer(bob.token) });
    assert.equal(stream.status, 200);
    const reader = stream.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    assert.match(first, /retry: 2000|event: downloads/, 'the stream is open');
    const pat = (await call('POST', '/auth/tokens', bob.token, { name: 'script', scope: 'api' })).json().token as string;
    secrets.push(pat);
    assert.equal((await call('GET', '/downloads', pat)).statusCode, 200);

    const off = await call('PATCH', `/admin/users/${bob.id}`, root.token, { disabled: true });
    assert.equal(off.statusCode, 200, off.body);
    const next = await call('GET', '/auth/me', bob.token);
    assert.equal(next.statusCode, 401);
    assert.equal(next.json().error, 'AccountDisabled');
    assert.equal((await call('GET', '/downloads', pat)).statusCode, 401, 'the personal access token too');
    const refresh = await t.app.inject({ method: 'POST', url: '/auth/refresh', payload: { refresh_token: bob.refresh } });
    assert.equal(refresh.statusCode, 401);
    // the server ends the stream by itself (the test would time out otherwise)
    while (!(await reader.read()).done);

    const [update] = await audit('&action=user.update');
    assert.deepEqual([update?.actor.username, update?.target, update?.details], ['root', 'bob', { disabled: true }]);
    const reset = await call('PATCH', `/admin/users/${bob.id}`, root.token, { disabled: false, password: 'bob-new-password' });
    assert.equal(reset.statusCode, 200);
    secrets.push('bob-new-password');
    const [again] = await audit('&action=user.update');
    assert.deepEqual(again?.details, { disabled: false, password_reset: true }, 'which fields changed, not the password');
  });

  it('refuses to delete oneself, the only administrator', async () => {
    const self = await call('DELETE', `/admin/users/${root.userId}`, root.token);
    assert.equal(self.statusCode, 409);
    assert.equal(self.json().error, 'SelfLockout');
    assert.match(self.json().message, /cannot delete your own account/);
    const users = (await call('GET', '/admin/users', root.token)).json().users;
    assert.ok(users.some((u: { username: string }) => u.username === 'root'));
    const nonAdmin = await login('bob', 'bob-new-password');
    const denied = await call('DELETE', `/admin/users/${root.userId}`, nonAdmin.json().token);
    assert.equal(denied.statusCode, 403);
    secrets.push(nonAdmin.json().token, nonAdmin.json().refresh_token);
    bob.token = nonAdmin.json().token;
    bob.refresh = nonAdmin.json().refresh_token;
  });

  it("deletes a user: their sessions end, their jobs stay as a deleted user's, the audit keeps the name", async () => {
    const gone = await call('DELETE', `/admin/users/${bob.id}`, root.token, undefined, '10.0.0.9');
    assert.equal(gone.statusCode, 204, gone.body);
    assert.equal((await call('DELETE', `/admin/users/${bob.id}`, root.token)).statusCode, 404);
    const me = await call('GET', '/auth/me', bob.token);
    assert.equal(me.statusCode, 401);
    assert.match(me.json().message, /no longer exists/);
    assert.equal((await t.app.inject({ method: 'POST', url: '/auth/refresh', payload: { refresh_token: bob.refresh } })).statusCode, 401);
    assert.equal((await login('bob', 'bob-new-password')).statusCode, 401);

    const all = (await call('GET', '/downloads?all=true', root.token)).json().downloads as Array<{ id: string; user_id: unknown; username: unknown }>;
    const job = all.find((d) => d.id === bobsDownload);
    assert.ok(job, "bob's download is still listed");
    assert.deepEqual([job.user_id, job.username], [null, null]);
    assert.equal((await call('GET', `/downloads/${bobsDownload}`, root.token)).statusCode, 200);

    const [del] = await audit('&action=user.delete');
    assert.deepEqual([del?.actor.username, del?.target, del?.ip, del?.details.jobs_kept], ['root', 'bob', '10.0.0.9', 1]);
    const bobs = await audit('&actor=bob');
    assert.ok(bobs.length >= 3, "bob's earlier entries stay");
    assert.ok(
      bobs.every((e) => e.actor.id === null && e.actor.username === 'bob'),
      'kept under the name, the id gone with the account',
    );
  });

  it('lists every action, and no entry holds a secret', async () => {
    const entries = await audit();
    const actions = new Set(entries.map((e) => e.action));
    for (const a of [
      'user.register',
      'user.create',
      'auth.login',
      'auth.login_failed',
      'user.update',
      'user.delete',
      'token.create',
      'token.revoke',
      'download.start',
      'model.move',
      'model.delete',
    ])
      assert.ok(actions.has(a), `${a} is in the log`);
    const [created] = await audit('&action=user.create');
    assert.deepEqual([created?.actor.username, created?.target, created?.details], ['root', 'bob', { is_admin: false }]);
    const text = JSON.stringify(entries);
    for (const s of secrets) assert.ok(!text.includes(s), `a secret (${s.slice(0, 6)}…) is in the audit log`);
    assert.ok(!/hf_d011dl/.test(text), 'not even a token hint');
  });

  it('records a sign-out', async () => {
    const out = await t.app.inject({ method: 'POST', url: '/auth/logout', payload: { refresh_token: root.refresh } });
    assert.equal(out.statusCode, 204);
    const l = await login('root', ROOT_PW);
    root.token = l.json().token;
    const [entry] = await audit('&action=auth.logout');
    assert.deepEqual([entry?.actor.username, entry?.target], ['root', 'root']);
  });
});
