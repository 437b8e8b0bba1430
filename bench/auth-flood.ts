// npm run bench:auth-flood -- [--connections 16] [--seconds 10] [--rounds 12] [--size 1GiB] [--link 100MB]
//
// Does a flood of sign-ins slow down the rest of the API (issue 11)? Starts the hub simulator and the
// real API (each its own process, embedded PostgreSQL in a temporary DATA_DIR), then measures /healthz
// latency and one download's speed twice: idle, and while `--connections` clients send wrong logins and
// registrations back to back (each a bcrypt at `--rounds`). Prints both and their ratio; asserts
// nothing (api/test/auth-flood.test.ts checks /healthz with a generous margin).
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from '../api/test/helpers/net.ts';

const { values: a } = parseArgs({
  options: {
    connections: { type: 'string', default: '16' },
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '12' },
    size: { type: 'string', default: '1GiB' },
    link: { type: 'string', default: '100MB' },
  },
});
const CONNECTIONS = Number(a.connections);
const SECONDS = Number(a.seconds);
const root = path.resolve(import.meta.dirname, '..');
const log = (m: string) => process.stderr.write(`${m}\n`);

function start(name: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.once('exit', (code) => {
    if (code !== null && code !== 0) {
      log(`${name} exited with code ${code}`);
      process.exitCode = 1;
    }
  });
  child.stderr!.on('data', (d: Buffer) => {
    if (/error|fatal/i.test(d.toString())) log(`[${name}] ${d.toString().trim()}`);
  });
  return child;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (process.exitCode) throw new Error(`gave up waiting for ${what}`);
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not happen within ${timeoutMs / 1000} s`);
}

const pct = (xs: number[], p: number) => [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? NaN;

const dir = await mkdtemp(path.join(os.tmpdir(), 'd011dl-auth-flood-'));
// run as root, the embedded PostgreSQL runs as `postgres` and must reach DATA_DIR inside
await chmod(dir, 0o711);
const children: ChildProcess[] = [];
try {
  // two identical repos: one downloaded idle, the other under the flood
  const gitattributes = '*.bin filter=lfs diff=lfs merge=lfs -text\n';
  const repo = (id: string) => ({
    id,
    commits: [{ id: 'init', files: { '.gitattributes': gitattributes, 'model.bin': { lfs: { size: a.size } } } }],
    refs: { branches: { main: 'init' } },
  });
  await writeFile(path.join(dir, 'catalog.json'), JSON.stringify({ tokens: {}, repos: [repo('bench/idle'), repo('bench/flood')] }));
  const [hubPort, apiPort] = [await freePort(), await freePort()];
  children.push(
    start(
      'hubsim',
      [
        'hubsim/src/cli.ts',
        '--port',
        String(hubPort),
        '--cdn-port',
        String(await freePort()),
        '--catalog',
        path.join(dir, 'catalog.json'),
        '--link-cap',
        a.link!,
        '--cache-dir',
        path.join(dir, 'hubcache'),
      ],
      {},
    ),
  );
  const hub = `http://127.0.0.1:${hubPort}`;
  const api = `http://127.0.0.1:${apiPort}`;
  children.push(
    start('api', ['api/src/server.ts'], {
      ENV_FILE: path.join(dir, 'no.env'),
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      PORT_API: String(apiPort),
      LOG_LEVEL: 'warn',
      DATA_DIR: path.join(dir, 'data'),
      HF_ENDPOINT: hub,
      ALLOW_REG: 'true',
      LOGIN_RATE_LIMIT: '100000000',
      BCRYPT_ROUNDS: a.rounds,
      PGHOST: '',
      TRUST_PROXY: '',
      PORTAL_SECRET: '',
    }),
  );
  log('starting the hub simulator and the API (embedded PostgreSQL)…');
  await waitFor('the hub simulator', async () => (await fetch(`${hub}/api/models/bench/idle`)).ok);
  await waitFor('the API', async () => (await fetch(`${api}/healthz`)).status === 200);

  const json = { 'content-type': 'application/json' };
  await fetch(`${api}/auth/register`, { method: 'POST', headers: json, body: JSON.stringify({ username: 'bench', password: 'bench-password' }) });
  const login = (await (
    await fetch(`${api}/auth/login`, { method: 'POST', headers: json, body: JSON.stringify({ username: 'bench', password: 'bench-password' }) })
  ).json()) as { token: string };
  const auth = { ...json, authorization: `Bearer ${login.token}` };

  async function download(repoName: string): Promise<number> {
    const t0 = performance.now();
    const res = await fetch(`${api}/downloads`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ author: 'bench', repo: repoName, revision: 'main', selection: [] }),
    });
    const { download_id: id, bytes_total: bytes } = (await res.json()) as { download_id: string; bytes_total: number };
    await waitFor(
      `download ${repoName}`,
      async () => {
        const d = (await (await fetch(`${api}/downloads/${id}`, { headers: auth })).json()) as { status: string; error: string | null };
        if (d.status === 'failed' || d.status === 'canceled') throw new Error(`download ${repoName} ${d.status}: ${d.error}`);
        return d.status === 'succeeded';
      },
      600_000,
    );
    return bytes / ((performance.now() - t0) / 1000);
  }

  // /healthz one request after another for at least `SECONDS`, and until `alsoUntil` settles
  async function probe(alsoUntil: Promise<unknown>): Promise<number[]> {
    let done = false;
    void alsoUntil.finally(() => {
      done = true;
    });
    const out: number[] = [];
    const end = Date.now() + SECONDS * 1000;
    while (Date.now() < end || !done) {
      const t0 = performance.now();
      await (await fetch(`${api}/healthz`)).arrayBuffer();
      out.push(performance.now() - t0);
    }
    return out;
  }

  log(`idle: /healthz for ${SECONDS} s and a ${a.size} download…`);
  const idleSpeed = download('idle');
  const idle = await probe(idleSpeed);
  const idleBps = await idleSpeed;

  log(`flood: ${CONNECTIONS} connections of sign-ins at ${a.rounds} bcrypt rounds, /healthz and a ${a.size} download…`);
  let stop = false;
  let attempts = 0;
  const flood = Promise.all(
    Array.from({ length: CONNECTIONS }, async (_, c) => {
      for (let i = 0; !stop; i++) {
        const body =
          c % 2 === 0 ? { url: '/auth/login', user: 'bench', pw: `wrong-${c}-${i}` } : { url: '/auth/register', user: `flood-${c}-${i}`, pw: 'long-enough-pw' };
        await (
          await fetch(`${api}${body.url}`, { method: 'POST', headers: json, body: JSON.stringify({ username: body.user, password: body.pw }) })
        ).arrayBuffer();
        attempts++;
      }
    }),
  );
  const t0 = performance.now();
  const floodSpeed = download('flood');
  const loaded = await probe(floodSpeed);
  const floodBps = await floodSpeed;
  const floodS = (performance.now() - t0) / 1000;
  stop = true;
  await flood;

  const ms = (x: number) => `${x.toFixed(1)} ms`;
  const mbs = (x: number) => `${(x / 1e6).toFixed(1)} MB/s`;
  console.log(`\n## Sign-in flood: ${CONNECTIONS} connections, bcrypt ${a.rounds} rounds, ${os.availableParallelism()} cores, Node ${process.versions.node}\n`);
  console.log('| | idle | under the flood | ratio |');
  console.log('|---|---|---|---|');
  console.log(`| /healthz p50 | ${ms(pct(idle, 0.5))} | ${ms(pct(loaded, 0.5))} | ${(pct(loaded, 0.5) / pct(idle, 0.5)).toFixed(2)}× |`);
  console.log(`| /healthz p99 | ${ms(pct(idle, 0.99))} | ${ms(pct(loaded, 0.99))} | ${(pct(loaded, 0.99) / pct(idle, 0.99)).toFixed(2)}× |`);
  console.log(`| /healthz requests | ${idle.length} | ${loaded.length} | |`);
  console.log(`| ${a.size} download | ${mbs(idleBps)} | ${mbs(floodBps)} | ${(floodBps / idleBps).toFixed(2)}× |`);
  console.log(`| sign-in attempts answered | – | ${attempts} (${(attempts / floodS).toFixed(1)}/s) | |`);
} finally {
  for (const c of children) c.kill('SIGTERM');
  await Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.once('exit', r)))));
  await rm(dir, { recursive: true, force: true });
}
