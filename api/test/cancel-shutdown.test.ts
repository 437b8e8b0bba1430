// A paused (canceled) job stays paused when the server stops before the running job noticed the cancel:
// the shutdown hands interrupted jobs back to the queue, but never one that someone canceled.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startHubSim, type HubSim } from '@d011dl/hubsim';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config/config.ts';
import { bearer, registerAndLogin, testEnv } from './helpers/app.ts';
import { createTestDatabase } from './helpers/db.ts';
import { until } from './helpers/downloads.ts';

describe('cancel, then shutdown', () => {
  let sim: HubSim;
  let dir: string;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let env: Record<string, string>;
  const start = async () => {
    const app = await buildApp(loadConfig(env));
    await app.ready();
    return app;
  };
  before(async () => {
    sim = await startHubSim();
    dir = await mkdtemp(path.join(os.tmpdir(), 'd011dl-cancel-'));
    db = await createTestDatabase();
    env = testEnv(dir, db, { HF_ENDPOINT: sim.url, DEDUP: 'off' });
  });
  after(async () => {
    await db.drop();
    await sim.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('a job canceled just before the server stops is still canceled after the restart', async () => {
    let app: FastifyInstance = await start();
    const { token } = await registerAndLogin(app);
    // 1 byte/s: the job is surely running, and surely not done, when it is canceled
    sim.faults.set({ bandwidthPerConn: 1 });
    const res = await app.inject({
      method: 'POST',
      url: '/downloads',
      headers: bearer(token),
      payload: { author: 'acme', repo: 'tiny-model', revision: 'main' },
    });
    assert.equal(res.statusCode, 202, res.body);
    const id = res.json().download_id;
    const get = async () => (await app.inject({ url: `/downloads/${id}`, headers: bearer(token) })).json();
    await until('the job runs', get, (d) => d.status === 'running' && d.bytes_done > 0);
    assert.equal((await app.inject({ method: 'POST', url: `/downloads/${id}/cancel`, headers: bearer(token) })).statusCode, 200);
    // at once, before the job's next progress write would have noticed the cancel
    await app.close();
    sim.faults.reset();

    app = await start();
    try {
      const d = (await app.inject({ url: `/downloads/${id}`, headers: bearer(token) })).json();
      assert.equal(d.status, 'canceled');
      // and it can be resumed (retried) as a paused job
      assert.equal((await app.inject({ method: 'POST', url: `/downloads/${id}/retry`, headers: bearer(token) })).statusCode, 200);
      const done = await until(
        'the resumed job ends',
        async () => (await app.inject({ url: `/downloads/${id}`, headers: bearer(token) })).json(),
        (x) => ['succeeded', 'failed'].includes(x.status),
      );
      assert.equal(done.status, 'succeeded', done.log);
    } finally {
      await app.close();
    }
  });
});
