// The global bandwidth limit (issue 17) on real jobs: a 2 MB/s limit makes a 20 MB job take at least
// 9 s, a change reaches a running job at once, and a paused job transfers nothing until it is resumed.
// Lower bounds only: a loaded machine may always be slower.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startHubSim, type CatalogConfig, type HubSim } from '@d011dl/hubsim';
import { bearer, registerAndLogin, startTestApp, type TestApp } from './helpers/app.ts';
import { assertFilesExact, waitForStatus, until } from './helpers/downloads.ts';
import { hfCliSkip } from './helpers/hf-cli.ts';

const MB = 1_000_000;
const MiB = 1024 * 1024;
const repo = (id: string, size: number) => ({
  id,
  commits: [
    { id: 'c1', files: { '.gitattributes': '*.bin filter=lfs diff=lfs merge=lfs -text\n', 'README.md': `# ${id}\n`, 'weights.bin': { lfs: { size } } } },
  ],
  refs: { branches: { main: 'c1' } },
});
const catalog: CatalogConfig = {
  tokens: {},
  repos: [repo('acme/twenty', 20 * MB), repo('acme/live', 24 * MiB + 5), repo('acme/pausing', 24 * MiB + 7), repo('acme/small', 300_000)],
};

describe('bandwidth limit', () => {
  let sim: HubSim;
  let t: TestApp;
  let admin: string;
  let bob: string;
  before(async () => {
    sim = await startHubSim({ catalog });
    // files under the segment threshold: one connection each, so the slack below is one read, not sixteen
    t = await startTestApp({ HF_ENDPOINT: sim.url, LOG_LEVEL: process.env.DEBUG_TEST ? 'info' : 'silent' });
    admin = (await registerAndLogin(t.app)).token;
    const created = await t.app.inject({
      method: 'POST',
      url: '/admin/users',
      headers: bearer(admin),
      payload: { username: 'bob', password: 'another good password' },
    });
    assert.equal(created.statusCode, 201, created.body);
    bob = (await t.app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'bob', password: 'another good password' } })).json().token;
  });
  after(async () => {
    await t.close();
    await sim.close();
  });

  const get = async (url: string, token = admin) => (await t.app.inject({ url, headers: bearer(token) })).json();
  const limit = async (bps: number) => {
    const res = await t.app.inject({ method: 'PUT', url: '/admin/settings', headers: bearer(admin), payload: { bandwidth_limit_bps: bps } });
    assert.equal(res.statusCode, 200, res.body);
  };
  const start = async (name: string): Promise<string> => {
    const res = await t.app.inject({ method: 'POST', url: '/downloads', headers: bearer(admin), payload: { author: 'acme', repo: name, revision: 'main' } });
    assert.equal(res.statusCode, 202, res.body);
    return res.json().download_id;
  };

  it('says what limit is in force, to every signed-in user', async () => {
    assert.deepEqual(await get('/bandwidth', bob), { limit_bps: 0, until: null, until_time: null, next_limit_bps: null, source: 'setting' });
    await limit(3 * MB);
    assert.equal((await get('/bandwidth', bob)).limit_bps, 3 * MB);
    assert.equal((await t.app.inject({ url: '/bandwidth' })).statusCode, 401);
  });

  it('makes a 20 MB job take at least 9 s at 2 MB/s, and its bytes are exact', { timeout: 180_000 }, async () => {
    await limit(2 * MB);
    const started = performance.now();
    const id = await start('twenty');
    const done = await waitForStatus(t.app, admin, id, ['succeeded', 'failed'], 150_000);
    const seconds = (performance.now() - started) / 1000;
    assert.equal(done.status, 'succeeded', done.error);
    assert.ok(seconds >= 9, `20 MB at 2 MB/s took only ${seconds.toFixed(1)} s`);
    await assertFilesExact(sim, t.config.storageRoot, 'acme/twenty', 'main', 'main');
  });

  it('applies a change to a running job at once', { timeout: 240_000 }, async () => {
    await limit(1 * MB);
    const id = await start('live');
    await until(
      '2 MB downloaded',
      () => get(`/downloads/${id}`),
      (d) => d.bytes_done >= 2 * MB,
    );
    // lowered: from now on at most 200 kB/s, plus what the old rate had under way (progress is written
    // every 0.5 s: half a second at 1 MB/s, the bucket's burst, one read and its advance)
    const low = 200_000;
    await limit(low);
    const t0 = performance.now();
    const b0 = (await get(`/downloads/${id}`)).bytes_done;
    const slack = 1.5 * MB;
    const grown = await until(
      '3 MB more',
      () => get(`/downloads/${id}`),
      (d) => d.bytes_done >= b0 + 3 * MB || d.status !== 'running',
    );
    assert.equal(grown.status, 'running', grown.error);
    const seconds = (performance.now() - t0) / 1000;
    const minSeconds = (grown.bytes_done - b0 - slack) / low;
    assert.ok(
      seconds >= minSeconds,
      `${grown.bytes_done - b0} bytes in ${seconds.toFixed(1)} s: faster than ${low} B/s allows (at least ${minSeconds.toFixed(1)} s)`,
    );
    // lifted: the job finishes; at 200 kB/s the ~18 MB left would take over a minute and a half
    await limit(0);
    const done = await waitForStatus(t.app, admin, id, ['succeeded', 'failed'], 200_000);
    assert.equal(done.status, 'succeeded', done.error);
    await assertFilesExact(sim, t.config.storageRoot, 'acme/live', 'main', 'main');
  });

  it('pauses a running job, which then transfers nothing, and resumes it from its partial file', { timeout: 240_000 }, async () => {
    await limit(1 * MB);
    const id = await start('pausing');
    await until(
      '1 MB downloaded',
      () => get(`/downloads/${id}`),
      (d) => d.bytes_done >= 1 * MB,
    );
    // someone else's job is not theirs to pause
    assert.equal((await t.app.inject({ method: 'POST', url: `/downloads/${id}/pause`, headers: bearer(bob) })).statusCode, 404);
    const paused = await t.app.inject({ method: 'POST', url: `/downloads/${id}/pause`, headers: bearer(admin) });
    assert.equal(paused.statusCode, 200, paused.body);
    assert.equal(paused.json().status, 'canceled');
    // the attempt has stopped once its last words are in the log
    const stopped = await until(
      'the attempt stopped',
      () => get(`/downloads/${id}`),
      (d) => /\bcanceled\b/.test(d.log),
    );
    assert.ok(stopped.bytes_done > 0 && stopped.bytes_done < stopped.bytes_total);
    // while another job downloads a file under the same limit, the paused one stays put
    const other = await start('small');
    assert.equal((await waitForStatus(t.app, admin, other, ['succeeded', 'failed'])).status, 'succeeded');
    const still = await get(`/downloads/${id}`);
    assert.equal(still.status, 'canceled');
    assert.equal(still.bytes_done, stopped.bytes_done, 'a paused job transferred bytes');
    // pausing again changes nothing; a job that is not paused cannot be resumed
    assert.equal((await t.app.inject({ method: 'POST', url: `/downloads/${id}/pause`, headers: bearer(admin) })).json().status, 'canceled');
    const notPaused = await t.app.inject({ method: 'POST', url: `/downloads/${other}/resume`, headers: bearer(admin) });
    assert.equal(notPaused.statusCode, 409);
    assert.match(notPaused.json().message, /succeeded/);
    await limit(0);
    const resumed = await t.app.inject({ method: 'POST', url: `/downloads/${id}/resume`, headers: bearer(admin) });
    assert.equal(resumed.statusCode, 200, resumed.body);
    assert.equal(resumed.json().status, 'queued');
    const done = await waitForStatus(t.app, admin, id, ['succeeded', 'failed'], 120_000);
    assert.equal(done.status, 'succeeded', done.error);
    // it went on from the partial file rather than starting over
    assert.match(done.log, /resume weights\.bin/);
    await assertFilesExact(sim, t.config.storageRoot, 'acme/pausing', 'main', 'main');
  });
});

describe('bandwidth limit on DOWNLOAD_ENGINE=hf', {
  skip: hfCliSkip,
}, () => {
  it('holds the hf CLI to the limit by stopping and continuing it', { timeout: 180_000 }, async () => {
    const sim = await startHubSim({ catalog });
    // 8 MB/s per connection: unlimited, hf would take 2.5 s for the 20 MB
    sim.faults.set({ bandwidthPerConn: 8 * MB });
    const t = await startTestApp({ HF_ENDPOINT: sim.url, DOWNLOAD_ENGINE: 'hf', BANDWIDTH_LIMIT_MBPS: '1' });
    try {
      const token = (await registerAndLogin(t.app)).token;
      const res = await t.app.inject({
        method: 'POST',
        url: '/downloads',
        headers: bearer(token),
        payload: { author: 'acme', repo: 'twenty', revision: 'main' },
      });
      assert.equal(res.statusCode, 202, res.body);
      const id = res.json().download_id;
      // timed from hf's first bytes on disk: hf's own start-up (Python, its Hub calls) takes seconds
      let first = 0;
      let done: { status: string; error: string | null; bytes_done: number } | undefined;
      const deadline = Date.now() + 150_000;
      while (Date.now() < deadline) {
        done = (await t.app.inject({ url: `/downloads/${id}`, headers: bearer(token) })).json();
        if (!first && done!.bytes_done > 0) first = performance.now();
        if (done!.status === 'succeeded' || done!.status === 'failed') break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const seconds = (performance.now() - first) / 1000;
      assert.equal(done?.status, 'succeeded', done?.error ?? 'still running');
      // the process is measured every 0.5 s (later on a loaded machine): bursts at 8 MB/s get through
      // before it is stopped, and progress shows bytes late. A lower bound only, well above the 2.5 s
      // hf needs unlimited: the pacing is coarse, not exact (README "Bandwidth")
      assert.ok(first > 0 && seconds >= 8, `20 MB at 1 MB/s through hf took only ${seconds.toFixed(1)} s from its first bytes`);
      await assertFilesExact(sim, t.config.storageRoot, 'acme/twenty', 'main', 'main');
    } finally {
      await t.close();
      await sim.close();
    }
  });
});
