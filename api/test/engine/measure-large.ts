// Manual measurement, not part of the test suite: downloads a big simulator file with the engine and
// reports time and peak RSS of this process (the simulator runs in a child process).
//   node api/test/engine/measure-large.ts [repo] [path] [connections]
// default: bench/one-4g model-4g.bin over 8 connections (needs ~4 GiB free in the temp folder).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { downloadFile } from '../../src/engine/index.ts';
import { resolveUrlOf } from '../../src/hub/resolve-url.ts';

const [repo = 'bench/one-4g', file = 'model-4g.bin', conns = '8'] = process.argv.slice(2);
const cli = fileURLToPath(new URL('../../../hubsim/src/cli.ts', import.meta.url));
const sim = spawn(process.execPath, [cli, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
const hubUrl = await new Promise<string>((resolve, reject) => {
  let out = '';
  sim.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    const m = /hubsim hub (\S+)/.exec(out);
    if (m) resolve(m[1]!);
  });
  sim.once('exit', () => reject(new Error(`hubsim exited: ${out}`)));
});
const dir = await mkdtemp(path.join(tmpdir(), 'd011dl-measure-'));
try {
  const info = (await (await fetch(`${hubUrl}/api/models/${repo}`)).json()) as { sha: string };
  const tree = (await (await fetch(`${hubUrl}/api/models/${repo}/tree/${info.sha}?recursive=true`)).json()) as Array<{
    path: string;
    size: number;
    lfs?: { oid: string };
  }>;
  const entry = tree.find((e) => e.path === file);
  if (!entry?.lfs) throw new Error(`${repo} has no LFS file ${file}`);
  let peakSampled = 0;
  let peakDetail = '';
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    if (m.rss > peakSampled) {
      peakSampled = m.rss;
      peakDetail = `heapUsed ${(m.heapUsed / 2 ** 20).toFixed(0)} MiB, external ${(m.external / 2 ** 20).toFixed(0)} MiB, arrayBuffers ${(m.arrayBuffers / 2 ** 20).toFixed(0)} MiB`;
    }
  }, 50);
  const t0 = performance.now();
  const res = await downloadFile(
    {
      path: file,
      size: entry.size,
      sha256: entry.lfs.oid,
      url: resolveUrlOf(hubUrl, repo, info.sha, file),
      dest: path.join(dir, file),
    },
    { hubOrigin: hubUrl, segmentConnections: Number(conns), retries: 5, stallTimeoutMs: 30_000, onEvent: (e) => console.log(`${e.type} ${e.message ?? ''}`) },
  );
  const secs = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  const maxRss = process.resourceUsage().maxRSS * 1024;
  console.log(
    `${res.status}: ${(entry.size / 2 ** 30).toFixed(2)} GiB in ${secs.toFixed(1)} s (${(entry.size / 2 ** 20 / secs).toFixed(0)} MiB/s), sha256 verified`,
  );
  console.log(`peak RSS: ${(maxRss / 2 ** 20).toFixed(0)} MiB (getrusage), ${(peakSampled / 2 ** 20).toFixed(0)} MiB (sampled every 50 ms: ${peakDetail})`);
} finally {
  sim.kill();
  await once(sim, 'exit');
  await rm(dir, { recursive: true, force: true });
}
