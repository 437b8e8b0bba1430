// npm run bench:download -- [--quick] [--per-conn 25MB] [--link 300MB] [--latency 20] [--shapes …] [--tools …] [--out DIR]
// Downloads each shape with each tool, side by side, from the hub simulator running in this process,
// checks every byte, and writes a Markdown table of MB/s (and % of the link cap). See bench/README.md.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join, relative, resolve } from 'node:path';
import { startHubSim } from '../hubsim/src/index.ts';
import { readArgs, USAGE, type BenchArgs, type ToolName } from './lib/args.ts';
import { renderReport, type MachineInfo, type RunRecord } from './lib/report.ts';
import { benchCatalog, pickShapes, type Shape } from './lib/shapes.ts';
import { TOOLS, type ToolRun } from './lib/tools.ts';
import { killRunning } from './lib/proc.ts';
import { flushFiles, verifyDir } from './lib/verify.ts';
import type { HubSim } from '../hubsim/src/index.ts';

let args: BenchArgs | undefined;
let shapes: Shape[];
try {
  args = readArgs(process.argv.slice(2));
  shapes = pickShapes(args?.shapes ?? []);
} catch (err) {
  // a bad flag is the user's typo, not a crash: no stack trace
  console.error(`${(err as Error).message}\n${USAGE}`);
  process.exit(2);
}
if (!args) {
  console.log(USAGE);
  process.exit(0);
}
const root = resolve(import.meta.dirname, '..');
const log = (s: string) => console.error(s); // progress on stderr, the report on stdout

// Before the simulator starts: a missing tool is "not installed", not an error.
const versions: MachineInfo['versions'] = {};
await Promise.all(
  args.tools.map(async (t) => {
    const v = await TOOLS[t].version();
    if (v) versions[t] = v;
  }),
);
log(`tools: ${args.tools.map((t) => `${t}=${versions[t] ?? 'not installed'}`).join(', ')}`);

const sim = await startHubSim({
  catalog: benchCatalog,
  faults: { bandwidthPerConn: args.perConn, linkBandwidth: args.link, latencyMs: args.latencyMs },
});
const scratch = await mkdtemp(join(os.tmpdir(), 'd011dl-bench-'));
const stop = () => {
  killRunning();
  void rm(scratch, { recursive: true, force: true }).finally(() => process.exit(130));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);

const records: RunRecord[] = [];
let failedSelf = false;
try {
  for (const shape of shapes) {
    // the first listing of a big repo hashes it (seconds, cached on disk): never inside a timed run
    log(`${shape.name}: preparing ${shape.repo} …`);
    const files = await sim.expectedFiles(shape.repo);
    const commit = sim.commitSha(shape.repo);
    const bytes = files.reduce((n, f) => n + f.size, 0);
    for (const tool of args.tools) {
      const base = { shape, tool, bytes, files: files.length };
      if (!versions[tool]) {
        records.push({ ...base, outcome: 'not installed' });
        continue;
      }
      const rec = await runOne(sim, shape, tool, files, commit, bytes);
      records.push(rec);
      if (tool.startsWith('d011dl') && rec.outcome !== 'ok') failedSelf = true;
      const speed = rec.outcome === 'ok' && rec.ms ? `${(bytes / rec.ms / 1e3).toFixed(1)} MB/s` : (rec.detail ?? '');
      log(`${shape.name} ${tool}: ${rec.outcome} ${((rec.ms ?? 0) / 1000).toFixed(1)} s ${speed}`);
    }
  }
} finally {
  await sim.close();
  await rm(scratch, { recursive: true, force: true });
}

const machine: MachineInfo = {
  date: new Date(),
  nproc: os.availableParallelism(),
  cpu: os.cpus()[0]?.model.trim() ?? 'unknown CPU',
  memGB: os.totalmem() / 1e9,
  node: process.version,
  versions,
};
const report = renderReport(records, shapes, args.tools, args, machine);
const outDir = resolve(root, args.outDir);
await mkdir(outDir, { recursive: true });
const stamp = machine.date.toISOString().slice(0, 16).replace(/:/g, '').replace('T', '-');
const file = join(outDir, `${stamp}${args.quick ? '-quick' : ''}.md`);
await writeFile(file, report);
console.log(report);
console.log(`written to ${relative(process.cwd(), file) || file}`);
// speed is never asserted (noisy shared machines); wrong or missing bytes from D011DL are a failure
process.exitCode = failedSelf ? 1 : 0;

async function runOne(
  sim: HubSim,
  shape: Shape,
  tool: ToolName,
  files: Awaited<ReturnType<HubSim['expectedFiles']>>,
  commit: string,
  bytes: number,
): Promise<RunRecord> {
  const workDir = await mkdtemp(join(scratch, `${shape.name}-${tool}-`));
  const outDir = join(workDir, 'out');
  await mkdir(outDir);
  // generous: 3× what one capped connection needs, plus a few requests' latency per file
  const oneConn = args!.perConn || args!.link || 50e6;
  const timeoutMs = 60_000 + 3 * ((bytes / oneConn) * 1000 + files.length * 4 * args!.latencyMs);
  sim.stats.reset();
  // each tool starts with the Hub's full quotas, as a client of its own would: 2,000 files take 4,000
  // requests, more than the anonymous "resolvers" quota (3,000 per 5 minutes), so without this the tool
  // that runs after another one waited out the window (bench/README.md)
  sim.live.resetRateLimits();
  let run: ToolRun;
  try {
    run = await TOOLS[tool].run({ hubUrl: sim.url, repo: shape.repo, commit, files, outDir, workDir, timeoutMs });
  } catch (err) {
    await rm(workDir, { recursive: true, force: true });
    return { shape, tool, bytes, files: files.length, outcome: 'FAILED', detail: String(err) };
  }
  const p = run.proc;
  const rec: RunRecord = {
    shape,
    tool,
    bytes,
    files: files.length,
    outcome: 'ok',
    ms: run.ms,
    procMs: p.ms,
    served: sim.stats.bytesServed(),
    requests: sim.stats.requests.length,
    ...(run.peakRss !== undefined ? { peakRss: run.peakRss } : {}),
    ...(p.cpuMs !== undefined ? { cpuMs: p.cpuMs } : {}),
  };
  sim.stats.reset(); // the request log of 2,000 files is not needed any more
  const lastErr = p.stderr.trim().split('\n').slice(-2).join(' ').slice(0, 300);
  if (p.timedOut) Object.assign(rec, { outcome: 'TIMEOUT', detail: `killed after ${(timeoutMs / 1000).toFixed(0)} s` });
  else if (p.error || p.code !== 0) {
    const why = run.engineError ?? (p.error ? String(p.error) : lastErr);
    Object.assign(rec, { outcome: 'FAILED', detail: `exit ${p.code ?? p.signal}: ${why}` });
  }
  if (rec.outcome === 'ok') rec.flushMs = await flushFiles(outDir, files);
  // a tool that says it succeeded but left bad or missing bytes is WRONG; one that says it failed is FAILED
  const v = await verifyDir(outDir, files);
  if (!v.ok) {
    const outcome = rec.outcome === 'ok' ? 'WRONG' : rec.outcome;
    Object.assign(rec, { outcome, detail: [rec.detail, ...v.problems].filter(Boolean).join('; ') });
  }
  if (v.extras.length) rec.detail = [rec.detail, `left extra files: ${v.extras.join(', ')}`].filter(Boolean).join('; ');
  if (rec.outcome !== 'ok') {
    delete rec.ms;
    delete rec.flushMs;
  }
  await rm(workDir, { recursive: true, force: true });
  return rec;
}
