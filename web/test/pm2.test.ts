// Production start: `pm2-runtime web/ecosystem.config.js` serves the portal on PORT_WEB against
// API_BASE_URL from the environment, and a SIGTERM stops it with nothing left running.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startHubSim, type HubSim } from '@d011dl/hubsim';
import { startTestApp, type TestApp } from '../../api/test/helpers/app.ts';
import { freePort } from '../../api/test/helpers/net.ts';

const root = path.resolve(import.meta.dirname, '..', '..');

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Every process whose parent is `pid`, and theirs (from /proc). */
async function descendants(pid: number): Promise<number[]> {
  const parents = new Map<number, number>();
  for (const d of await readdir('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const stat = await readFile(`/proc/${d}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid) parents.set(Number(d), ppid);
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [c, pp] of parents) {
      if (pp !== p) continue;
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

describe('pm2-runtime web/ecosystem.config.js', () => {
  let sim: HubSim;
  let api: TestApp;
  let apiUrl: string;
  let pm2Home: string;
  before(async () => {
    sim = await startHubSim();
    api = await startTestApp({ HF_ENDPOINT: sim.url });
    apiUrl = await api.app.listen({ host: '127.0.0.1', port: 0 });
    pm2Home = await mkdtemp(path.join(os.tmpdir(), 'd011dl-pm2-'));
  });
  after(async () => {
    await api.close();
    await sim.close();
    await rm(pm2Home, { recursive: true, force: true });
  });

  it('serves /login on PORT_WEB against API_BASE_URL, and stops cleanly on SIGTERM', { timeout: 90_000 }, async () => {
    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      API_BASE_URL: apiUrl,
      PORT_WEB: String(port),
      HOST: '127.0.0.1',
      PM2_HOME: pm2Home,
      ENV_FILE: path.join(pm2Home, 'no.env'),
    };
    const child = spawn(path.join(root, 'node_modules', '.bin', 'pm2-runtime'), [path.join('web', 'ecosystem.config.js')], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    let kids: number[] = [];
    try {
      let status = 0;
      let body = '';
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline && child.exitCode === null) {
        try {
          const r = await fetch(`http://127.0.0.1:${port}/login`, { signal: AbortSignal.timeout(2000) });
          status = r.status;
          body = await r.text();
          if (status === 200) break;
        } catch {
          // not listening yet
        }
        await new Promise((r) => setTimeout(r, 250));
      }
      assert.equal(status, 200, output);
      // the portal reached the API given in the environment: a fresh API has no account yet, so /login
      // leads to creating the administrator
      assert.match(body, /Create the administrator account/, 'talks to API_BASE_URL');
      kids = await descendants(child.pid!);
      assert.ok(kids.length >= 1, `pm2-runtime runs the portal as a child (${output})`);
      child.kill('SIGTERM');
      const exit = await Promise.race([exited, new Promise<null>((r) => setTimeout(() => r(null), 20_000))]);
      assert.ok(exit, `pm2-runtime exits after SIGTERM\n${output}`);
      assert.ok(exit.code === 0 || exit.signal === 'SIGTERM', `exit ${JSON.stringify(exit)}\n${output}`);
      for (const pid of kids) assert.ok(!alive(pid), `process ${pid} left running`);
      await assert.rejects(fetch(`http://127.0.0.1:${port}/login`, { signal: AbortSignal.timeout(2000) }), 'nothing listens on PORT_WEB any more');
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {}
      }
      for (const pid of kids) if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
  });
});
