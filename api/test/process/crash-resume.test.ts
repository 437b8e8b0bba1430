// An out-of-memory kill of the API under `npm start`, mid-download, on the embedded database: the next
// `npm start` on the same DATA_DIR comes up by itself and finishes the job byte-exact. (What the crash
// costs in re-fetched bytes is measured in api/test/serial/downloads-resilience.test.ts.)
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startHubSim, type HubSim } from '@d011dl/hubsim';
import { assertFilesExact } from '../helpers/downloads.ts';
import { freePort } from '../helpers/net.ts';
import { alive, childrenOf, owner, postmasterPid, start, userEnv, waitFor, type Running } from './helpers.ts';

const MiB = 1024 * 1024;

describe('kill -9 of the API mid-download, then npm start again', () => {
  let sim: HubSim;
  let dir: string;
  const running: Running[] = [];
  before(async () => {
    sim = await startHubSim({
      catalog: {
        tokens: {},
        repos: [{ id: 'acme/mid', commits: [{ id: 'init', files: { 'w.bin': { lfs: { size: 24 * MiB + 3 } } } }], refs: { branches: { main: 'init' } } }],
      },
    });
    dir = await mkdtemp(path.join(os.tmpdir(), 'd011dl-resume-'));
    await chmod(dir, 0o755);
  });
  after(async () => {
    for (const r of running) if (r.proc.exitCode === null && r.proc.signalCode === null) r.proc.kill('SIGTERM');
    await Promise.all(running.map((r) => r.exited));
    await sim.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('resumes the job by itself and finishes it', async () => {
    const dataDir = path.join(dir, 'data');
    const launch = async () => {
      const [api, web] = [await freePort(), await freePort()];
      const env = userEnv({
        DATA_DIR: dataDir,
        PORT_API: String(api),
        PORT_WEB: String(web),
        HF_ENDPOINT: sim.url,
        JOB_HEARTBEAT_S: '10',
        BCRYPT_ROUNDS: '10',
      });
      const r = start('scripts/start.ts', env, dir);
      running.push(r);
      await waitFor(
        () => r.out().includes('Stop with Ctrl-C'),
        () => `no banner:\n${r.out()}`,
      );
      return { r, base: `http://127.0.0.1:${api}` };
    };
    const call = async (base: string, url: string, token?: string, body?: object) => {
      const res = await fetch(base + url, {
        method: body ? 'POST' : 'GET',
        headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: body ? JSON.stringify(body) : null,
      });
      return { status: res.status, json: (await res.json()) as any };
    };

    const first = await launch();
    const creds = { username: 'crash', password: 'crash-password' };
    assert.equal((await call(first.base, '/auth/register', undefined, creds)).status, 201);
    let token = (await call(first.base, '/auth/login', undefined, creds)).json.token as string;
    sim.faults.set({ bandwidthPerConn: 512 * 1024 });
    const created = await call(first.base, '/downloads', token, { author: 'acme', repo: 'mid', revision: 'main' });
    assert.equal(created.status, 202, JSON.stringify(created.json));
    const id = created.json.download_id as string;
    await waitFor(
      async () => (await call(first.base, `/downloads/${id}`, token)).json.bytes_done > 2 * MiB,
      () => 'no progress',
    );

    const apiPid = owner(dataDir)!.pid;
    const pm = postmasterPid(path.join(dataDir, 'pg'))!;
    assert.ok(childrenOf(first.r.proc.pid!).includes(apiPid));
    process.kill(apiPid, 'SIGKILL'); // as the out-of-memory killer does
    assert.notEqual(await first.r.exited, 0, 'npm start ends, saying the API died');
    assert.match(first.r.out(), /api\/src\/server\.ts exited \(SIGKILL\); stopping the rest/);
    await waitFor(
      () => !alive(pm),
      () => 'the postmaster outlived its API',
    );

    sim.faults.set({});
    const second = await launch();
    token = (await call(second.base, '/auth/login', undefined, creds)).json.token;
    const done = await waitFor(
      async () => {
        const d = (await call(second.base, `/downloads/${id}`, token)).json;
        return ['succeeded', 'failed'].includes(d.status) ? d : undefined;
      },
      () => 'the job never finished',
      180_000,
    );
    assert.equal(done.status, 'succeeded', JSON.stringify(done));
    assert.equal(await assertFilesExact(sim, path.join(dataDir, 'models'), 'acme/mid', 'main', 'main'), 1);
    second.r.proc.kill('SIGTERM');
    assert.equal(await second.r.exited, 0, second.r.out());
  });
});
