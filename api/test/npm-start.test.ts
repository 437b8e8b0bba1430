import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { freePort } from './helpers/net.ts';

const root = path.resolve(import.meta.dirname, '../..');

async function waitOk(url: string, alive: () => boolean, log: () => string): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (!alive()) throw new Error(`npm start exited early:\n${log()}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} never answered:\n${log()}`);
}

describe('npm start (API + portal on the embedded database)', () => {
  let dir: string;
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('serves both, and a Ctrl-C in the terminal stops both cleanly, the database last', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'd011dl-start-'));
    await chmod(dir, 0o755);
    const [apiPort, webPort] = [await freePort(), await freePort()];
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PG') && !k.startsWith('TEST_PG')));
    // detached: its own process group, like a terminal's foreground job, so the Ctrl-C below reaches every
    // process in the group at once, as a terminal's does
    const p = spawn(process.execPath, [path.join(root, 'scripts/start.ts')], {
      cwd: dir,
      env: {
        ...env,
        DATA_DIR: path.join(dir, 'data'),
        PORT_API: String(apiPort),
        PORT_WEB: String(webPort),
        LOG_LEVEL: 'info',
        HF_ENDPOINT: 'http://127.0.0.1:9',
        LOGIN_RATE_LIMIT: '3',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => p.on('exit', (code) => resolve(code)));
    try {
      await waitOk(
        `http://127.0.0.1:${apiPort}/healthz`,
        () => p.exitCode === null,
        () => out,
      );
      await waitOk(
        `http://127.0.0.1:${webPort}/login`,
        () => p.exitCode === null,
        () => out,
      );
      // Only its own portal (holding this run's PORTAL_SECRET) speaks for browsers: another local process
      // claiming other addresses is counted as itself, so the sign-in limit still stops it.
      const statuses: number[] = [];
      for (let i = 1; i <= 4; i++) {
        const r = await fetch(`http://127.0.0.1:${apiPort}/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': `203.0.113.${i}` },
          body: JSON.stringify({ username: 'mallory', password: 'not-the-password' }),
        }).catch((err: Error) => {
          throw new Error(`sign-in attempt ${i}: ${err.message} (${String((err.cause as Error | undefined)?.message)})\n${out}`);
        });
        statuses.push(r.status);
      }
      assert.deepEqual(statuses, [401, 401, 401, 429], out);
      process.kill(-p.pid!, 'SIGINT');
      const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 30_000))]);
      assert.equal(code, 0, out);
      // pino level 50 = error, 60 = fatal; the database must not vanish while the API still uses it
      const errors = out.split('\n').filter((l) => /"level":(50|60)/.test(l) || /terminating connection|Connection terminated|ECONNREFUSED/.test(l));
      assert.deepEqual(errors, [], out);
      await assert.rejects(fetch(`http://127.0.0.1:${apiPort}/healthz`), 'the API is down');
      await assert.rejects(fetch(`http://127.0.0.1:${webPort}/login`), 'the portal is down');
    } finally {
      // on a failure: the script stops what it started (its children are in groups of their own)
      if (p.exitCode === null) {
        p.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
      }
    }
  });
});
