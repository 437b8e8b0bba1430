// Run-time settings (issue 17): the environment gives the defaults, an administrator's change is kept in
// PostgreSQL (it survives a restart), each value says where it comes from, every change is audited.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config/config.ts';
import { bearer, registerAndLogin, testEnv } from './helpers/app.ts';
import { createTestDatabase } from './helpers/db.ts';

describe('admin settings', () => {
  let dir: string;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let env: Record<string, string>;
  let app: FastifyInstance;
  let admin: string;
  let user: string;
  const start = async () => {
    const a = await buildApp(loadConfig(env));
    await a.ready();
    return a;
  };
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'd011dl-settings-'));
    db = await createTestDatabase();
    env = testEnv(dir, db, { JOB_CONCURRENCY: '3', BANDWIDTH_SCHEDULE: '00:00-07:00=unlimited' });
    app = await start();
    admin = (await registerAndLogin(app)).token;
    const created = await app.inject({
      method: 'POST',
      url: '/admin/users',
      headers: bearer(admin),
      payload: { username: 'bob', password: 'another good password' },
    });
    assert.equal(created.statusCode, 201, created.body);
    user = (await app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'bob', password: 'another good password' } })).json().token;
  });
  after(async () => {
    await app.close();
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('shows each value and where it comes from', async () => {
    const res = await app.inject({ url: '/admin/settings', headers: bearer(admin) });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.settings.job_concurrency, 3);
    assert.equal(body.sources.job_concurrency, 'environment');
    assert.equal(body.sources.segment_connections, 'default');
    assert.deepEqual(body.settings.bandwidth_schedule, [{ from: '00:00', to: '07:00', limit_bps: null }]);
  });

  it('is for administrators only', async () => {
    assert.equal((await app.inject({ url: '/admin/settings', headers: bearer(user) })).statusCode, 403);
    const put = await app.inject({ method: 'PUT', url: '/admin/settings', headers: bearer(user), payload: { job_concurrency: 1 } });
    assert.equal(put.statusCode, 403);
  });

  it('refuses a bad value with words that name it', async () => {
    const res = await app.inject({
      method: 'PUT',
      url: '/admin/settings',
      headers: bearer(admin),
      payload: { bandwidth_schedule: [{ from: '25:00', to: '07:00', limit_bps: null }] },
    });
    assert.equal(res.statusCode, 400);
    assert.match(res.json().message, /HH:MM/);
    const unknown = await app.inject({ method: 'PUT', url: '/admin/settings', headers: bearer(admin), payload: { no_such_setting: 1 } });
    assert.equal(unknown.statusCode, 400);
  });

  it('keeps a change across a restart, audits it, and resets to the environment with null', async () => {
    const put = await app.inject({
      method: 'PUT',
      url: '/admin/settings',
      headers: bearer(admin),
      payload: { job_concurrency: 1, bandwidth_limit_bps: 20_000_000 },
    });
    assert.equal(put.statusCode, 200, put.body);
    assert.equal(put.json().sources.job_concurrency, 'portal');

    await app.close();
    app = await start();
    const after = (await app.inject({ url: '/admin/settings', headers: bearer(admin) })).json();
    assert.equal(after.settings.job_concurrency, 1);
    assert.equal(after.settings.bandwidth_limit_bps, 20_000_000);
    assert.equal(after.sources.bandwidth_limit_bps, 'portal');

    const audit = (await app.inject({ url: '/admin/audit?action=settings', headers: bearer(admin) })).json();
    assert.equal(audit.entries.length, 1);
    assert.equal(audit.entries[0].actor.username, 'alice');
    assert.deepEqual(audit.entries[0].details.job_concurrency, { from: 3, to: 1 });

    const reset = await app.inject({ method: 'PUT', url: '/admin/settings', headers: bearer(admin), payload: { job_concurrency: null } });
    assert.equal(reset.json().settings.job_concurrency, 3);
    assert.equal(reset.json().sources.job_concurrency, 'environment');
  });

  it('pages the audit log, newest first', async () => {
    for (const n of [1, 2, 3]) {
      const r = await app.inject({ method: 'PUT', url: '/admin/settings', headers: bearer(admin), payload: { segment_connections: n + 4 } });
      assert.equal(r.statusCode, 200);
    }
    const first = (await app.inject({ url: '/admin/audit?action=settings.update&limit=2', headers: bearer(admin) })).json();
    assert.equal(first.entries.length, 2);
    assert.deepEqual(first.entries[0].details.segment_connections, { from: 6, to: 7 });
    assert.ok(first.next_before);
    const second = (await app.inject({ url: `/admin/audit?action=settings&limit=2&before=${first.next_before}`, headers: bearer(admin) })).json();
    assert.ok(second.entries.every((e: { id: number }) => e.id < first.next_before));
    assert.equal((await app.inject({ url: '/admin/audit', headers: bearer(user) })).statusCode, 403);
  });
});
