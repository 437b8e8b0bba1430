// Run-time settings take effect without a restart (issue 17): each part reads the value when it needs it,
// and a second API instance on the same database picks a change up through LISTEN/NOTIFY.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startHubSim, type HubSim } from '@d011dl/hubsim';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config/config.ts';
import { bearer, registerAndLogin, startTestApp, testEnv, type TestApp } from './helpers/app.ts';
import { adminQuery } from './helpers/db.ts';
import { waitForStatus } from './helpers/downloads.ts';

const MiB = 1024 * 1024;

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('settings take effect at run time', () => {
  let sim: HubSim;
  let t: TestApp;
  let admin: string;
  before(async () => {
    sim = await startHubSim();
    // DEDUP off: every job below fetches the same bytes at another revision, and must really fetch them
    t = await startTestApp({ HF_ENDPOINT: sim.url, JOB_CONCURRENCY: '1', DEDUP: 'off', DISK_RESERVE_MB: '0' });
    admin = (await registerAndLogin(t.app)).token;
  });
  after(async () => {
    await t.close();
    await sim.close();
  });
  const put = async (payload: object) => {
    const r = await t.app.inject({ method: 'PUT', url: '/admin/settings', headers: bearer(admin), payload });
    assert.equal(r.statusCode, 200, r.body);
    return r.json();
  };
  const download = async (revision: string) => {
    const r = await t.app.inject({
      method: 'POST',
      url: '/downloads',
      headers: bearer(admin),
      payload: { author: 'acme', repo: 'tiny-model', revision, selection: [{ path: 'model.safetensors', type: 'file' }] },
    });
    assert.equal(r.statusCode, 202, r.body);
    return r.json().download_id as string;
  };
  const status = async (id: string) => (await t.app.inject({ url: `/downloads/${id}`, headers: bearer(admin) })).json();

  it('job_concurrency: raised, two jobs run side by side; lowered, one after the other', { timeout: 240_000 }, async () => {
    // slow enough that a job is still running when the next one could start
    sim.faults.set({ linkBandwidth: 1 * MiB });
    try {
      await put({ job_concurrency: 2 });
      const [a, b] = [await download('main'), await download('dev')];
      await waitFor('both jobs running at once', async () => (await status(a)).status === 'running' && (await status(b)).status === 'running');
      for (const id of [a, b]) assert.equal((await waitForStatus(t.app, admin, id, ['succeeded', 'failed'], 120_000)).status, 'succeeded');

      await put({ job_concurrency: 1 });
      const [c, d] = [await download('feature/x'), await download('v1.0')];
      const seen = new Set<string>();
      await waitFor(
        'both jobs finished',
        async () => {
          const [sc, sd] = [await status(c), await status(d)];
          assert.ok(!(sc.status === 'running' && sd.status === 'running'), 'never two jobs running at once with job_concurrency 1');
          seen.add(`${sc.status}/${sd.status}`);
          return sc.finished_at && sd.finished_at ? [sc, sd] : false;
        },
        120_000,
      );
      const [sc, sd] = [await status(c), await status(d)];
      assert.equal(sc.status, 'succeeded');
      assert.equal(sd.status, 'succeeded');
      // the database's own times: one job started only once the other had finished
      const [first, second] = Date.parse(sc.started_at) <= Date.parse(sd.started_at) ? [sc, sd] : [sd, sc];
      assert.ok(Date.parse(second.started_at) >= Date.parse(first.finished_at), `${JSON.stringify(first)} / ${JSON.stringify(second)}`);
      assert.ok(
        [...seen].some((s) => s.includes('queued')),
        `one job waited its turn (states seen: ${[...seen].join(', ')})`,
      );
    } finally {
      sim.faults.reset();
    }
  });

  it('disk_reserve_mb: a huge reserve refuses a download with 507 at once, and GET /storage shows it', async () => {
    await put({ disk_reserve_mb: 1024 * 1024 * 1024 });
    const r = await t.app.inject({ method: 'POST', url: '/downloads', headers: bearer(admin), payload: { author: 'TheBloke', repo: 'Demo-GGUF' } });
    assert.equal(r.statusCode, 507, r.body);
    assert.match(r.json().message, /Not enough free space: .* of which 1.13 PB is kept in reserve/);
    const storage = (await t.app.inject({ url: '/storage', headers: bearer(admin) })).json();
    assert.equal(storage.roots[0].reserve_bytes, 1024 * 1024 * 1024 * MiB);
    await put({ disk_reserve_mb: null });
    const ok = await t.app.inject({ method: 'POST', url: '/downloads', headers: bearer(admin), payload: { author: 'TheBloke', repo: 'Demo-GGUF' } });
    assert.equal(ok.statusCode, 202, ok.body);
  });

  it('allow_registration: opens and closes the sign-up at once', async () => {
    const register = (username: string) => t.app.inject({ method: 'POST', url: '/auth/register', payload: { username, password: 'a good long password' } });
    assert.equal((await register('bob')).statusCode, 403);
    await put({ allow_registration: true });
    assert.equal((await t.app.inject({ url: '/auth/config' })).json().registration_open, true);
    assert.equal((await register('bob')).statusCode, 201);
    await put({ allow_registration: false });
    const closed = await register('carol');
    assert.equal(closed.statusCode, 403);
    assert.match(closed.json().message, /Registration is closed/);
  });

  it('mirror_enabled and mirror_anonymous: the mirror turns off and on, and opens to anonymous readers', async () => {
    const probe = () => t.app.inject({ url: '/mirror/api/models/acme/not-in-library' });
    assert.equal((await probe()).statusCode, 401, 'on, and a token needed');
    await put({ mirror_enabled: false });
    const off = await probe();
    assert.equal(off.statusCode, 404);
    assert.match(off.headers['x-error-message'] as string, /mirror is turned off/);
    await put({ mirror_enabled: true, mirror_anonymous: true });
    // anonymous: no token needed; the repo is not in the library, so the Hub's 404 for it
    const open = await probe();
    assert.equal(open.statusCode, 404);
    assert.equal(open.headers['x-error-code'], 'RepoNotFound');
    await put({ mirror_enabled: null, mirror_anonymous: null });
    assert.equal((await probe()).statusCode, 401);
  });
});

describe('several API instances on one database', () => {
  let t: TestApp;
  let other: FastifyInstance;
  let admin: string;
  before(async () => {
    t = await startTestApp();
    admin = (await registerAndLogin(t.app)).token;
    // the same database and storage, as a second container would have
    const db = { connection: t.config.pg!, name: t.config.pg!.database! };
    other = await buildApp(loadConfig(testEnv(t.dir, db, { JWT_SECRET: t.config.auth.jwtSecret! })));
    await other.ready();
  });
  after(async () => {
    await other.close();
    await t.close();
  });

  it('a change saved on one is seen and applied on the other', async () => {
    const r = await t.app.inject({
      method: 'PUT',
      url: '/admin/settings',
      headers: bearer(admin),
      payload: { segment_connections: 3, allow_registration: true },
    });
    assert.equal(r.statusCode, 200, r.body);
    const seen = await waitFor('the other instance to reload', async () => {
      const v = (await other.inject({ url: '/admin/settings', headers: bearer(admin) })).json();
      return v.settings.segment_connections === 3 ? v : false;
    });
    assert.equal(seen.sources.segment_connections, 'portal');
    const reg = await other.inject({ method: 'POST', url: '/auth/register', payload: { username: 'bob', password: 'a good long password' } });
    assert.equal(reg.statusCode, 201, reg.body);
  });

  it('a listener that lost its connection reconnects and catches up with what it missed', async () => {
    const listeners = `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = 'd011dl-settings'`;
    const db = t.config.pg!.database!;
    assert.equal((await adminQuery(listeners, [db])).rowCount, 2, 'one listening connection per instance');
    await adminQuery(`SELECT pg_terminate_backend(pid) FROM (${listeners}) l`, [db]);
    // saved while the other instance is not listening: it must read it when it reconnects
    const r = await t.app.inject({ method: 'PUT', url: '/admin/settings', headers: bearer(admin), payload: { segment_connections: 5 } });
    assert.equal(r.statusCode, 200, r.body);
    await waitFor('the other instance to catch up', async () => {
      const v = (await other.inject({ url: '/admin/settings', headers: bearer(admin) })).json();
      return v.settings.segment_connections === 5;
    });
    await waitFor('both listening again', async () => (await adminQuery(listeners, [db])).rowCount === 2);
  });
});
