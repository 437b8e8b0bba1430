import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from './helpers/net.ts';

const root = path.resolve(import.meta.dirname, '../..');

// The process as a user runs it: no PG* settings, so it brings up its own PostgreSQL.
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PG') && !k.startsWith('TEST_PG')));
  return { ...env, LOG_LEVEL: 'info', ...extra };
}

function run(args: string[], env: NodeJS.ProcessEnv, cwd: string, input?: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.stdin.end(input ?? '');
    p.on('exit', (code) => resolve({ code, out }));
  });
}

async function waitFor<T>(get: () => T | undefined, why: () => string): Promise<T> {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 20))) {
    const v = get();
    if (v !== undefined) return v;
  }
  throw new Error(why());
}

async function waitHealthy(port: number, proc: ChildProcess, log: () => string): Promise<Response> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`server exited early (${proc.exitCode}):\n${log()}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.ok) return res;
    } catch {}
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`server never became healthy:\n${log()}`);
}

describe('the API process (npm start) on the embedded database', () => {
  let dir: string;
  let port: number;
  let server: ChildProcess;
  let log = '';
  let env: NodeJS.ProcessEnv;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'd011dl-server-'));
    // as root, the embedded PostgreSQL runs as the postgres user and must reach DATA_DIR
    await chmod(dir, 0o755);
    port = await freePort();
    // a .env file adds settings, the environment wins over it
    await writeFile(path.join(dir, '.env'), `PORT_API=1\nALLOW_REG=true\nBCRYPT_ROUNDS=10\n`);
    env = cleanEnv({ DATA_DIR: path.join(dir, 'data'), PORT_API: String(port), HF_ENDPOINT: 'http://127.0.0.1:9' });
    server = spawn(process.execPath, [path.join(root, 'api/src/server.ts')], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout!.on('data', (d) => (log += d));
    server.stderr!.on('data', (d) => (log += d));
  });
  after(async () => {
    if (server.exitCode === null) server.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('serves /healthz 200 with the database and storage up', async () => {
    const res = await waitHealthy(port, server, () => log);
    const body = (await res.json()) as any;
    assert.equal(body.status, 'ok');
    assert.equal(body.checks.storage.path, path.join(dir, 'data', 'models'));
    assert.ok(existsSync(path.join(dir, 'data', 'pg', 'PG_VERSION')), 'the cluster lives in DATA_DIR/pg');
  });

  it('takes settings from .env where the environment has none', async () => {
    const cfg = (await (await fetch(`http://127.0.0.1:${port}/auth/config`)).json()) as any;
    assert.equal(cfg.registration_open, true, 'ALLOW_REG=true came from .env');
  });

  it("user:add creates an account against the running server's database", async () => {
    const r = await run([path.join(root, 'api/src/cli/user-add.ts'), 'shelluser', '--admin'], env, dir, 'shell-password\n');
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /created user shelluser \(admin\)/);
    const login = await fetch(`http://127.0.0.1:${port}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'shelluser', password: 'shell-password' }),
    });
    assert.equal(login.status, 200);
    assert.equal(((await login.json()) as any).user.is_admin, true);
    const again = await run([path.join(root, 'api/src/cli/user-add.ts'), 'shelluser'], env, dir, 'shell-password\n');
    assert.equal(again.code, 1);
    assert.match(again.out, /taken/);
  });

  it('serves the OpenAPI document at /docs without a token', async () => {
    const doc = (await (await fetch(`http://127.0.0.1:${port}/docs/json`)).json()) as { paths: Record<string, unknown> };
    for (const route of ['/auth/login', '/hf/parse-url', '/hf/refs', '/hf/tree', '/db/models', '/db/models/{id}/files', '/healthz']) {
      assert.ok(doc.paths[route], `${route} documented`);
    }
    assert.equal((await fetch(`http://127.0.0.1:${port}/docs`)).status, 200);
  });

  it('logs one line per request (method, route, status, ms) and never a secret', async () => {
    const login = (await (
      await fetch(`http://127.0.0.1:${port}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'shelluser', password: 'shell-password' }),
      })
    ).json()) as { token: string; refresh_token: string };
    await fetch(`http://127.0.0.1:${port}/auth/me?token=${login.refresh_token}`, { headers: { authorization: `Bearer ${login.token}` } });
    // the line is written after the response is sent: wait for it to arrive through the pipe
    const line = await waitFor(
      () => log.split('\n').find((l) => l.includes('"route":"/auth/me"')),
      () => `no request line for /auth/me:\n${log}`,
    );
    const entry = JSON.parse(line);
    assert.equal(entry.method, 'GET');
    assert.equal(entry.status, 200);
    assert.equal(typeof entry.ms, 'number');
    for (const secret of ['shell-password', login.token, login.refresh_token]) assert.ok(!log.includes(secret), 'a secret reached the log');
  });

  it('stops promptly on SIGTERM and takes its PostgreSQL down with it', async () => {
    assert.equal(server.exitCode, null, 'still running before the signal');
    const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
    server.kill('SIGTERM');
    assert.equal(await exited, 0, log);
    assert.ok(!existsSync(path.join(dir, 'data', 'pg', 'postmaster.pid')), 'postgres stopped');
  });

  it('refuses to start with a bad configuration, naming the variable', async () => {
    const r = await run([path.join(root, 'api/src/server.ts')], cleanEnv({ NODE_ENV: 'production', DATA_DIR: path.join(dir, 'd2'), BCRYPT_ROUNDS: '20' }), dir);
    assert.equal(r.code, 78, r.out);
    assert.match(r.out, /JWT_SECRET: is required/);
    assert.match(r.out, /BCRYPT_ROUNDS: must be between 10 and 12/);
  });
});
