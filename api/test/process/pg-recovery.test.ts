// The embedded PostgreSQL after crashes: kill -9 of the API, an orphaned postmaster, a second API on
// the same DATA_DIR, and PostgreSQL refusing to start. Real processes, real clusters.
import assert from 'node:assert/strict';
import { appendFile, chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { freePort } from '../helpers/net.ts';
import { alive, answers, owner, postmasterPid, start, userEnv, waitFor, waitServing, type Running } from './helpers.ts';

describe('embedded PostgreSQL recovers by itself', () => {
  let dir: string;
  let dataDir: string;
  const running: Running[] = [];
  const api = async (extra: Record<string, string> = {}) => {
    const port = await freePort();
    const r = start('api/src/server.ts', userEnv({ DATA_DIR: dataDir, PORT_API: String(port), ALLOW_REG: 'true', BCRYPT_ROUNDS: '10', ...extra }), dir);
    running.push(r);
    return { r, port, url: `http://127.0.0.1:${port}` };
  };
  const login = (url: string) =>
    fetch(`${url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'keeper', password: 'keeper-password' }),
    });

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'd011dl-pgrec-'));
    await chmod(dir, 0o755); // as root, the postgres user must reach DATA_DIR (else it moves; see root.test.ts)
    dataDir = path.join(dir, 'data');
  });
  // a failed test stops what it started, so the next one starts from a quiet DATA_DIR
  afterEach(async () => {
    for (const r of running) if (r.proc.exitCode === null && r.proc.signalCode === null) r.proc.kill('SIGTERM');
    await Promise.all(running.map((r) => r.exited));
  });
  after(async () => {
    for (const r of running) if (r.proc.exitCode === null && r.proc.signalCode === null) r.proc.kill('SIGKILL');
    // a keeper outlives a killed API for the moment it takes to stop its postmaster
    await waitFor(
      () => postmasterPid(path.join(dataDir, 'pg')) === null || !alive(postmasterPid(path.join(dataDir, 'pg'))!),
      () => 'postmaster left running',
      60_000,
    ).catch(() => {});
    await rm(dir, { recursive: true, force: true });
  });

  it('after kill -9 of the API its PostgreSQL stops, and the next start just works with the same data', async () => {
    const a = await api();
    await waitServing(`${a.url}/healthz`, a.r);
    const reg = await fetch(`${a.url}/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'keeper', password: 'keeper-password' }),
    });
    assert.equal(reg.status, 201);
    const pm = postmasterPid(path.join(dataDir, 'pg'));
    assert.ok(pm && alive(pm), 'a postmaster serves the cluster');
    a.r.proc.kill('SIGKILL');
    await a.r.exited;
    await waitFor(
      () => !alive(pm),
      () => `postmaster ${pm} still running after its API was killed`,
    );

    const b = await api();
    await waitServing(`${b.url}/healthz`, b.r);
    assert.equal((await login(b.url)).status, 200, 'the account made before the crash is there');

    // and a start right after the kill, while the keeper may still be shutting PostgreSQL down
    b.r.proc.kill('SIGKILL');
    await b.r.exited;
    const c = await api();
    await waitServing(`${c.url}/healthz`, c.r);
    assert.equal((await login(c.url)).status, 200);
    c.r.proc.kill('SIGTERM');
    assert.equal(await c.r.exited, 0, c.r.out());
  });

  it('stops a postmaster whose API and keeper are both gone, then starts afresh', async () => {
    const a = await api();
    await waitServing(`${a.url}/healthz`, a.r);
    const o = owner(dataDir)!;
    assert.ok(o.watcherPid, 'the keeper is recorded');
    const pm = postmasterPid(path.join(dataDir, 'pg'))!;
    process.kill(o.watcherPid!, 'SIGKILL'); // first, so that nothing stops the postmaster
    a.r.proc.kill('SIGKILL');
    await a.r.exited;
    assert.ok(alive(pm), 'an orphaned postmaster, as a crash of an older D011DL left them');

    const b = await api();
    await waitServing(`${b.url}/healthz`, b.r);
    assert.ok(!alive(pm), 'the orphan was stopped');
    assert.match(
      b.r.out(),
      new RegExp(`a PostgreSQL \\(pid ${pm}\\) was still running .* left by a D011DL process that is gone \\(pid ${a.r.proc.pid}, API on port ${a.port}\\)`),
    );
    assert.equal((await login(b.url)).status, 200);

    // while that one runs, a second API on the same DATA_DIR refuses, naming who holds it
    const c = await api();
    const code = await c.r.exited;
    assert.notEqual(code, 0);
    assert.match(c.r.out(), new RegExp(`DATA_DIR ${dataDir.replaceAll('/', '\\/')} is in use by D011DL \\(pid ${b.r.proc.pid}, API on port ${b.port}\\)`));
    assert.ok(await answers(`${b.url}/healthz`), 'the first one still serves');

    b.r.proc.kill('SIGTERM');
    assert.equal(await b.r.exited, 0, b.r.out());
    assert.equal(owner(dataDir), null, 'a clean stop leaves no owner behind');
  });

  it("a PostgreSQL that will not start fails the API with PostgreSQL's own words", async () => {
    const conf = path.join(dataDir, 'pg', 'postgresql.conf');
    const original = await readFile(conf, 'utf8');
    await appendFile(conf, "\nshared_buffers = 'plenty'\n");
    try {
      const a = await api();
      const code = await a.r.exited;
      assert.notEqual(code, 0);
      assert.match(a.r.out(), /D011DL API could not start: PostgreSQL stopped \(exit 1\): .*invalid value for parameter "shared_buffers": "plenty"/s);
      assert.doesNotMatch(a.r.out(), /Cannot read properties of undefined/);
      assert.equal(owner(dataDir), null);
    } finally {
      await writeFile(conf, original);
    }
    const b = await api();
    await waitServing(`${b.url}/healthz`, b.r);
    b.r.proc.kill('SIGTERM');
    assert.equal(await b.r.exited, 0, b.r.out());
  });
});
