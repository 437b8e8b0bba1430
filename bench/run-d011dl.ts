// Runs D011DL's engine on one task list in a process of its own, so its peak RSS and CPU are its alone.
//   node bench/run-d011dl.ts TASKS.json   → last stdout line: {"ms", "maxRssKiB", "cpuMs", "error"?}
//   node bench/run-d011dl.ts --check      → exit 0 when the engine loads (download.ts: "installed?")
// TASKS.json: { hubOrigin, tasks: FileTask[] } written by bench/lib/tools.ts.
import { readFile, writeFile } from 'node:fs/promises';
import { closeEngine, runFiles } from '../api/src/engine/index.ts';
import type { FileTask } from '../api/src/engine/index.ts';

const arg = process.argv[2];
if (!arg) throw new Error('usage: node bench/run-d011dl.ts TASKS.json | --check');
if (arg !== '--check') {
  const job = JSON.parse(await readFile(arg, 'utf8')) as { hubOrigin: string; tasks: FileTask[] };
  const t0 = performance.now();
  // BENCH_TIMELINE=FILE: each file event and the bytes received per 250 ms, as JSON lines, to see where
  // a run loses time (the link idle between files, a slow tail)
  const timeline: string[] = [];
  const at = () => Math.round(performance.now() - t0);
  let bytes = 0;
  const sampler = process.env.BENCH_TIMELINE ? setInterval(() => timeline.push(JSON.stringify({ t: at(), bytes })), 250) : undefined;
  // D011DL's defaults: 4 files at once, 8 ranged connections per big file
  const outcomes = await runFiles(job.tasks, {
    hubOrigin: job.hubOrigin,
    concurrency: 4,
    segmentConnections: 8,
    retries: 5,
    stallTimeoutMs: 30_000,
    // BENCH_HASH_THREAD=0: hash on the event loop instead, for comparison
    hashThread: process.env.BENCH_HASH_THREAD !== '0',
    // BENCH_WRITE_ON_ARRIVAL=0: always staged writes on libuv's threads, for comparison
    writeOnArrival: process.env.BENCH_WRITE_ON_ARRIVAL !== '0',
    ...(process.env.BENCH_CHECKPOINT_MS ? { checkpointMs: Number(process.env.BENCH_CHECKPOINT_MS) } : {}),
    ...(sampler
      ? {
          onBytes: (_path: string, delta: number) => {
            bytes += delta;
          },
          onEvent: (e: { path: string; type: string }) => timeline.push(JSON.stringify({ t: at(), file: e.path, event: e.type })),
        }
      : {}),
  });
  if (sampler) {
    clearInterval(sampler);
    await writeFile(process.env.BENCH_TIMELINE!, `${timeline.join('\n')}\n`);
  }
  const ms = performance.now() - t0;
  const failed = outcomes.filter((o) => o.error);
  const ru = process.resourceUsage();
  const report = {
    ms,
    maxRssKiB: ru.maxRSS,
    cpuMs: (ru.userCPUTime + ru.systemCPUTime) / 1000,
    ...(failed.length ? { error: `${failed.length} file(s) failed; first: ${failed[0]?.error?.message}` } : {}),
  };
  await closeEngine();
  console.log(JSON.stringify(report));
  process.exitCode = failed.length ? 1 : 0;
}
