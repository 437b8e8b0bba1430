// A move killed with SIGKILL midway (issue 14): a real API process on a real PostgreSQL, moving a revision
// to a root on another file system (so its bytes are copied), killed mid-file and started again on the
// same database and roots, finishes the move: byte-exact on the target, gone from the source.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startHubSim, type HubSim } from '@d011dl/hubsim';
import { partialPath } from '../src/engine/sidecar.ts';
import { bearer, testEnv } from './helpers/app.ts';
import { adminQuery, createTestDatabase } from './helpers/db.ts';
import { assertFilesExact } from './helpers/downloads.ts';
import { folderOnAnotherDisk, LIBRARY_REPOS, MiB, sizeOf } from './helpers/library.ts';
import { freePort } from './helpers/net.ts';

describe('a move killed with SIGKILL midway, then the API started again', () => {
  let sim: HubSim;
  let dir: string;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let server: ChildProcess | null = null;
  // on one file system a move renames (nothing to kill midway): the target is on another one
  let disk: Awaited<ReturnType<typeof folderOnAnotherDisk>>;
  before(async () => {
    sim = await startHubSim({ catalog: LIBRARY_REPOS });
    dir = await mkdtemp(path.join(os.tmpdir(), 'd011dl-move-kill-'));
    await chmod(dir, 0o755);
    disk = await folderOnAnotherDisk();
    db = await createTestDatabase();
  });
  after(async () => {
    server?.kill('SIGKILL');
    await sim.close();
    await db.drop();
    await rm(dir, { recursive: true, force: true });
    await disk?.remove();
  });

  it('ends byte-exact on the target and absent from the source', async (t) => {
    if (!disk) return t.skip('no second file system here (/dev/shm is on the same disk, and mounting a tmpfs needs root)');
    const port = await freePort();
    const cold = path.join(disk.dir, 'cold');
    await mkdir(cold);
    const env = {
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TEST_PG'))),
      ...testEnv(dir, db, {
        LOG_LEVEL: 'warn',
        PORT_API: String(port),
        HF_ENDPOINT: sim.url,
        JOB_HEARTBEAT_S: '10',
        STORAGE_ROOTS: `cold=${cold}`,
        COPY_MAX_MBPS: '4',
      }),
    };
    let log = '';
    const startServer = async () => {
      const p = spawn(process.execPath, [path.resolve(import.meta.dirname, '../src/server.ts')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      p.stdout!.on('data', (d) => (log += d));
      p.stderr!.on('data', (d) => (log += d));
      for (let i = 0; i < 400; i++) {
        if ((await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null))?.ok) return p;
        await new Promise((r) => setTimeout(r, 150));
      }
      throw new Error(`server did not start:\n${log}`);
    };
    const call = async (method: string, url: string, token?: string, body?: object) => {
      const res = await fetch(`http://127.0.0.1:${port}${url}`, {
        method,
        headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(token ? bearer(token) : {}) },
        body: body ? JSON.stringify(body) : null,
      });
      return { status: res.status, json: (await res.json().catch(() => null)) as any };
    };
    const waitDone = async (token: string, id: string) => {
      for (let i = 0; i < 1800; i++) {
        const d = (await call('GET', `/downloads/${id}`, token)).json;
        if (d.status === 'succeeded' || d.status === 'failed') return d;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`job ${id} never finished:\n${log}`);
    };

    server = await startServer();
    const creds = { username: 'mover', password: 'move-test-pw' };
    assert.equal((await call('POST', '/auth/register', undefined, creds)).status, 201);
    let token = (await call('POST', '/auth/login', undefined, creds)).json.token;
    const dl = await call('POST', '/downloads', token, { author: 'acme', repo: 'lib', revision: 'main' });
    assert.equal(dl.status, 202, JSON.stringify(dl.json));
    assert.equal((await waitDone(token, dl.json.download_id)).status, 'succeeded');
    const source = (await call('GET', '/db/models?author=acme&repo=lib', token)).json[0].id;

    const moved = await call('POST', `/db/models/${source}/move`, token, { to: 'cold' });
    assert.equal(moved.status, 202, JSON.stringify(moved.json));
    const id = moved.json.download_id;
    const big = path.join(cold, 'acme', 'lib', 'main', 'weights', 'big.bin');
    for (let i = 0; (await sizeOf(partialPath(big))) <= 2 * MiB; i++) {
      assert.ok(i < 1200, `the move never reached the big file:\n${log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    server.kill('SIGKILL');
    await new Promise((r) => server!.once('exit', r));

    // the crash left the revision on both roots, and the catalog says which copy is complete
    assert.ok(!existsSync(big), 'no file at the final path');
    await assertFilesExact(sim, path.join(dir, 'data', 'models'), 'acme/lib', 'main', 'main');
    const rows = (await adminQuery('SELECT storage, is_downloaded FROM models WHERE repo = $1 ORDER BY storage', ['lib'], db.name)).rows;
    assert.deepEqual(rows, [
      { storage: 'cold', is_downloaded: false },
      { storage: 'default', is_downloaded: true },
    ]);

    server = await startServer();
    token = (await call('POST', '/auth/login', undefined, creds)).json.token;
    const done = await waitDone(token, id);
    assert.equal(done.status, 'succeeded', done.log);
    assert.match(done.log, /started: move from "default" to "cold": \d of 5 files to copy/, 'copied, not renamed');
    const resumed = /resumed weights\/big\.bin from (\d+) bytes/.exec(done.log);
    assert.ok(resumed && Number(resumed[1]) > 2 * MiB, `resumed from the partial, not from zero:\n${done.log}`);
    await assertFilesExact(sim, cold, 'acme/lib', 'main', 'main');
    assert.ok(!existsSync(path.join(dir, 'data', 'models', 'acme')), 'the source is gone from disk');
    const models = (await call('GET', '/db/models?author=acme&repo=lib', token)).json;
    assert.deepEqual(
      models.map((m: { storage: string; is_downloaded: boolean }) => [m.storage, m.is_downloaded]),
      [['cold', true]],
    );
    const exited = new Promise((r) => server!.once('exit', r));
    server.kill('SIGTERM');
    await exited;
    server = null;
  });
});
