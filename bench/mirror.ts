// The mirror benchmark (README "Serve your library to the lab"): `hf download` (8 workers) and
// `aria2c -x16` pull a 4 GiB and an 8 × 512 MiB repo over loopback from D011DL's /mirror and from
// Debian's nginx serving the same files, alternating, in the same run; the API's peak RSS while serving.
//   npm run bench:mirror -- [--shapes one-4g,eight-512m] [--tools hf,aria2c] [--runs 1] [--dir DIR]
// The repos are downloaded into DIR once (by D011DL, from the hub simulator) and kept for later runs.
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { startHubSim } from '../hubsim/src/index.ts';
import { hfCliEnv } from '../api/src/jobs/hf-cli-env.ts';
import { startNginx } from './lib/nginx.ts';
import { run } from './lib/proc.ts';

const { values: a } = parseArgs({
  options: {
    shapes: { type: 'string', default: 'one-4g,eight-512m' },
    tools: { type: 'string', default: 'hf,aria2c' },
    runs: { type: 'string', default: '1' },
    dir: { type: 'string', default: path.join(os.tmpdir(), 'd011dl-bench-mirror') },
  },
});
const shapes = a.shapes.split(',');
const tools = a.tools.split(',') as Array<'hf' | 'aria2c'>;
const dataDir = path.resolve(a.dir);
// the clients write to memory: the disk under test is the server's, not theirs
const outRoot = existsDir('/dev/shm') ? '/dev/shm/d011dl-bench-mirror-out' : path.join(dataDir, 'out');

function existsDir(p: string): boolean {
  return statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

async function startApi(hubUrl: string) {
  await mkdir(dataDir, { recursive: true });
  const job = path.join(dataDir, 'job.json');
  await writeFile(job, JSON.stringify({ hubUrl, dataDir }));
  const child = spawn(process.execPath, [path.join(import.meta.dirname, 'mirror-api.ts'), job], { stdio: ['ignore', 'pipe', 'inherit'] });
  const first = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('LISTENING ')) resolve(line.slice(10));
    });
    child.once('exit', (c) => reject(new Error(`the API exited (${c}) before listening`)));
  });
  child.stdout!.resume();
  // a failed run must not leave the API (and its database) running
  process.once('exit', () => child.exitCode === null && child.kill('SIGTERM'));
  const { url, storageRoot } = JSON.parse(first) as { url: string; storageRoot: string };
  return {
    url,
    storageRoot,
    pid: child.pid!,
    close: () =>
      new Promise<void>((r) => {
        if (child.exitCode !== null) return r();
        child.once('exit', () => r());
        child.kill('SIGTERM');
      }),
  };
}

/** VmHWM (peak RSS) and CPU seconds (user + system, in clock ticks of 1/100 s) of a process, from /proc. */
async function procStats(pid: number): Promise<{ hwmBytes: number; rssBytes: number; cpuS: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) * 1024;
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  return { hwmBytes: kib('VmHWM'), rssBytes: kib('VmRSS'), cpuS: (Number(fields[11]) + Number(fields[12])) / 100 };
}

async function api(base: string, method: string, p: string, body?: unknown, token?: string) {
  const res = await fetch(base + p, {
    method,
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : null,
  });
  return { status: res.status, json: (await res.json().catch(() => null)) as any };
}

async function bytesUnder(dir: string): Promise<number> {
  let n = 0;
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile() && !path.join(e.parentPath, e.name).includes(`${path.sep}.cache${path.sep}`)) n += (await stat(path.join(e.parentPath, e.name))).size;
  }
  return n;
}

const sim = await startHubSim();
// 1. the library: both repos downloaded once by D011DL itself (kept in DIR for later runs)
let server = await startApi(sim.url);
const creds = { username: 'bench', password: 'bench-password-1' };
await api(server.url, 'POST', '/auth/register', creds);
const session = (await api(server.url, 'POST', '/auth/login', creds)).json.token as string;
for (const shape of shapes) {
  const r = await api(server.url, 'POST', '/downloads', { author: 'bench', repo: shape, revision: 'main' }, session);
  if (r.status === 409) continue;
  if (r.status !== 202) throw new Error(`POST /downloads bench/${shape}: ${r.status} ${JSON.stringify(r.json)}`);
  process.stderr.write(`downloading bench/${shape} into the library…\n`);
  for (;;) {
    const d = (await api(server.url, 'GET', `/downloads/${r.json.download_id}`, undefined, session)).json;
    if (d.status === 'succeeded') break;
    if (d.status === 'failed' || d.status === 'canceled') throw new Error(`bench/${shape}: ${d.error}`);
    await new Promise((res) => setTimeout(res, 500));
  }
}
const token = (await api(server.url, 'POST', '/auth/tokens', { name: 'bench', scope: 'mirror:read' }, session)).json.token as string;
// 2. a fresh API process, so its peak RSS is what serving costs
await server.close();
await sim.close();
server = await startApi('http://127.0.0.1:9');
const models = (await api(server.url, 'GET', '/db/models?author=bench', undefined, (await api(server.url, 'POST', '/auth/login', creds)).json.token))
  .json as Array<{
  repo: string;
  commit_sha: string;
  local_path: string;
  bytes_done: number;
}>;
const repos = shapes.map((s) => {
  const m = models.find((x) => x.repo === s);
  if (!m) throw new Error(`bench/${s} is not in the library`);
  return { id: `bench/${s}`, commit: m.commit_sha, dir: m.local_path, bytes: Number(m.bytes_done), shape: s };
});
const nginx = await startNginx(path.join(dataDir, 'nginx'), server.url, repos);
const rows: Array<{ shape: string; tool: string; side: string; mbps: number; ms: number; apiCpuS: number }> = [];
const base0 = await procStats(server.pid);
let peakRss = base0.rssBytes;
const sampler = setInterval(() => {
  procStats(server.pid)
    .then((s) => (peakRss = Math.max(peakRss, s.rssBytes)))
    .catch(() => {});
}, 100);

for (let i = 0; i < Number(a.runs); i++) {
  for (const repo of repos) {
    for (const tool of tools) {
      // alternate which side goes first, so a machine getting busier does not favour one
      const sides = (i + rows.length) % 2 === 0 ? ['mirror', 'nginx'] : ['nginx', 'mirror'];
      for (const side of sides) {
        const endpoint = side === 'mirror' ? `${server.url}/mirror` : nginx.url;
        const out = path.join(outRoot, `${repo.shape}-${tool}-${side}`);
        await rm(out, { recursive: true, force: true });
        await mkdir(out, { recursive: true });
        const cpu0 = (await procStats(server.pid)).cpuS;
        let r: Awaited<ReturnType<typeof run>>;
        if (tool === 'hf') {
          const hfHome = path.join(outRoot, 'hf-home');
          await rm(hfHome, { recursive: true, force: true });
          r = await run('hf', ['download', repo.id, '--revision', 'main', '--local-dir', out, '--max-workers', '8'], {
            env: hfCliEnv({ endpoint, hfHome, token }),
            timeoutMs: 30 * 60_000,
          });
        } else {
          const files = (await api(server.url, 'GET', `/mirror/api/models/${repo.id}/tree/main?recursive=true`, undefined, token)).json as Array<{
            type: string;
            path: string;
          }>;
          const list = files
            .filter((f) => f.type === 'file')
            .map((f) => `${endpoint}/${repo.id}/resolve/main/${f.path}\n  out=${f.path}`)
            .join('\n');
          await writeFile(path.join(outRoot, 'aria2c.txt'), `${list}\n`);
          const auth = side === 'mirror' ? [`--header=Authorization: Bearer ${token}`] : [];
          r = await run(
            'aria2c',
            [
              '-x16',
              '-s16',
              '-j8',
              '--file-allocation=none',
              '--allow-overwrite=true',
              '--auto-file-renaming=false',
              '--summary-interval=0',
              '--console-log-level=warn',
              '-d',
              out,
              '-i',
              path.join(outRoot, 'aria2c.txt'),
              ...auth,
            ],
            { timeoutMs: 30 * 60_000 },
          );
        }
        const apiCpuS = (await procStats(server.pid)).cpuS - cpu0;
        const got = await bytesUnder(out).catch(() => 0);
        if (r.code !== 0 || got !== repo.bytes)
          throw new Error(`${tool} from ${side} (${repo.id}): exit ${r.code}, ${got} of ${repo.bytes} bytes\n${r.stderr}`);
        const mbps = repo.bytes / 1e6 / (r.ms / 1000);
        rows.push({ shape: repo.shape, tool, side, mbps, ms: r.ms, apiCpuS });
        process.stderr.write(`${repo.shape} ${tool} ${side}: ${mbps.toFixed(1)} MB/s (${(r.ms / 1000).toFixed(1)} s, API CPU ${apiCpuS.toFixed(1)} s)\n`);
        await rm(out, { recursive: true, force: true });
      }
    }
  }
}
clearInterval(sampler);
const end = await procStats(server.pid);
await nginx.close();
await server.close();
await rm(outRoot, { recursive: true, force: true });

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
console.log(`\n| Shape | Tool | /mirror | nginx | /mirror ÷ nginx | API CPU (mirror run) |`);
console.log('| --- | --- | --- | --- | --- | --- |');
for (const repo of repos) {
  for (const tool of tools) {
    const m = rows.filter((r) => r.shape === repo.shape && r.tool === tool && r.side === 'mirror');
    const n = rows.filter((r) => r.shape === repo.shape && r.tool === tool && r.side === 'nginx');
    const [mm, nn] = [mean(m.map((r) => r.mbps)), mean(n.map((r) => r.mbps))];
    console.log(
      `| ${repo.shape} | ${tool} | ${mm.toFixed(1)} MB/s | ${nn.toFixed(1)} MB/s | ${(mm / nn).toFixed(2)}× | ${mean(m.map((r) => r.apiCpuS)).toFixed(1)} s |`,
    );
  }
}
console.log(
  `\nAPI peak RSS while serving: ${(Math.max(peakRss, end.hwmBytes) / 1e6).toFixed(0)} MB (VmHWM ${(end.hwmBytes / 1e6).toFixed(0)} MB, at start ${(base0.rssBytes / 1e6).toFixed(0)} MB)`,
);
