// Big files: parallel ranged connections, work stealing around a stalled connection, faults on
// segments, cancel + resume, and resume after the process was killed.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { after, before, beforeEach, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Agent, type Dispatcher } from 'undici';
import { startHubSim, type HubSim, type RequestRecord } from '../../../hubsim/src/index.ts';
import { DownloadError, downloadFile, type EngineOptions } from '../../src/engine/index.ts';
import { RangeSet } from '../../src/engine/ranges.ts';
import { resetWriteGates, writeAtOnce, wroteAtOnce } from '../../src/engine/write-gate.ts';
import { assertExact, bigCatalog, exists, MiB, taskFor, tempDir, testOptions } from './helpers.ts';
import { partialPath, readJournal, sidecarPath } from '../../src/engine/sidecar.ts';

const REPO = 'acme/big';
const FILE = 'big.bin'; // 64 MiB + 7
let sim: HubSim;
before(async () => {
  sim = await startHubSim({ catalog: bigCatalog(64) });
});
after(() => sim.close());
beforeEach(() => {
  sim.faults.reset();
  sim.stats.reset();
});

const segmented: Partial<EngineOptions> = { segmentConnections: 8, segmentThreshold: 8 * MiB, segmentSize: 4 * MiB };

const cdnGets = () => sim.stats.requests.filter((r) => r.server === 'cdn' && r.method === 'GET');

/** The byte intervals the CDN actually sent. */
function served(records: RequestRecord[]): RangeSet {
  const set = new RangeSet();
  for (const r of records) {
    const start = Number(/bytes=(\d+)-/.exec(r.range ?? '')?.[1] ?? 0);
    set.add(start, start + r.bytes);
  }
  return set;
}

function overlap(a: RangeSet, b: RangeSet): number {
  let n = 0;
  for (const [s, e] of b.toJSON()) {
    for (let p = s; p < e; ) {
      const end = a.coveredEnd(p);
      if (end > p) {
        const stop = Math.min(end, e);
        n += stop - p;
        p = stop;
      } else {
        const next = a.toJSON().find(([rs]) => rs > p)?.[0] ?? e;
        p = Math.min(next, e);
      }
    }
  }
  return n;
}

/** An undici Agent that counts 206 bodies streaming at the same time. */
function countingAgent() {
  const stats = { inflight: 0, max: 0 };
  const count: Dispatcher.DispatcherComposeInterceptor = (dispatch) => (opts, handler) => {
    let open = false;
    const close = () => {
      if (open) stats.inflight--;
      open = false;
    };
    return dispatch(opts, {
      onRequestStart: (c, ctx) => handler.onRequestStart?.(c, ctx),
      onRequestUpgrade: (c, s, h, socket) => handler.onRequestUpgrade?.(c, s, h, socket),
      onResponseStart: (c, status, headers, msg) => {
        if (status === 206) {
          open = true;
          stats.max = Math.max(stats.max, ++stats.inflight);
        }
        return handler.onResponseStart?.(c, status, headers, msg);
      },
      onResponseData: (c, chunk) => handler.onResponseData?.(c, chunk),
      onResponseEnd: (c, trailers) => {
        close();
        return handler.onResponseEnd?.(c, trailers);
      },
      onResponseError: (c, err) => {
        close();
        return handler.onResponseError?.(c, err);
      },
    });
  };
  const agent = new Agent();
  return { dispatcher: agent.compose(count), stats, close: () => agent.close() };
}

test('a big file is fetched over several concurrent ranged CDN connections, without the token', { timeout: 30_000 }, async (t) => {
  const task = await taskFor(sim, REPO, await tempDir(t), FILE);
  const counting = countingAgent();
  t.after(() => counting.close());
  sim.faults.set({ bandwidthPerConn: 16 * MiB });
  const opts = testOptions(sim, { ...segmented, token: 'hf_alice_token', dispatcher: counting.dispatcher });

  const res = await downloadFile(task, opts);

  assert.equal(res.status, 'done');
  await assertExact(sim, REPO, task);
  const gets = cdnGets();
  assert.ok(gets.length >= 16, `${gets.length} ranged requests`);
  assert.ok(gets.every((r) => r.status === 206 && r.range && r.auth === false));
  assert.ok(counting.stats.max >= 4, `at most ${counting.stats.max} bodies streamed at once`);
  // the resolver was asked once; later ranges went straight to the CDN URL
  const hub = sim.stats.requests.filter((r) => r.server === 'hub');
  assert.equal(hub.length, 1);
  assert.equal(hub[0]?.auth, true);
  assert.equal(res.bytesFetched, task.size);
});

test('a connection that stalls has its range taken over by idle connections, then is replaced', { timeout: 30_000 }, async (t) => {
  const task = await taskFor(sim, REPO, await tempDir(t), FILE);
  sim.faults.set({ bandwidthPerConn: 16 * MiB, rules: [{ kind: 'stall', match: `path=${FILE}`, afterBytes: MiB }] });
  // The stall timeout is far longer than the rest of the file takes, even on a loaded machine: the other
  // connections go idle and split the stalled range long before the stalled one is given up (only its
  // last, unsplittable piece waits for the timeout).
  const opts = testOptions(sim, { ...segmented, stallTimeoutMs: 8_000 });

  const res = await downloadFile(task, opts);

  assert.equal(res.status, 'done');
  await assertExact(sim, REPO, task);
  assert.ok(opts.rec.events.some((e) => e.type === 'retry' && /no data for 8000 ms/.test(e.message ?? '')));
  const stalled = cdnGets().find((r) => r.fault === 'stall')!;
  const stalledStart = Number(/bytes=(\d+)-/.exec(stalled.range!)![1]);
  // some request started inside the stalled segment, past the stall point: an idle connection took its tail
  const stolen = cdnGets().filter((r) => {
    const s = Number(/bytes=(\d+)-/.exec(r.range!)![1]);
    return s > stalledStart + MiB && s < stalledStart + 4 * MiB;
  });
  assert.ok(stolen.length > 0, 'the stalled range was split');
  assert.equal(res.bytesFetched, task.size, 'no byte written twice');
});

test('resets and truncations on segments: byte-exact, nothing fetched twice', { timeout: 30_000 }, async (t) => {
  const task = await taskFor(sim, REPO, await tempDir(t), FILE);
  sim.faults.set({
    rules: [
      { kind: 'reset', match: `path=${FILE}`, count: 3 },
      { kind: 'truncate', match: `path=${FILE}`, count: 3 },
      { kind: 'status', status: 502, match: `path=${FILE}`, count: 2 },
    ],
  });
  const opts = testOptions(sim, segmented);
  const res = await downloadFile(task, opts);
  assert.equal(res.status, 'done');
  await assertExact(sim, REPO, task);
  assert.equal(opts.rec.events.filter((e) => e.type === 'retry').length, 8);
  assert.equal(res.bytesFetched, task.size);
});

test('staged writes (a slow device), and a turn to them mid-file: byte-exact, nothing fetched twice', { timeout: 30_000 }, async (t) => {
  t.after(() => resetWriteGates());
  sim.faults.set({ bandwidthPerConn: 16 * MiB, rules: [{ kind: 'truncate', match: `path=${FILE}`, count: 2 }] });
  // always staged, on libuv's threads
  const staged = await taskFor(sim, REPO, await tempDir(t), FILE);
  const res = await downloadFile(staged, testOptions(sim, { ...segmented, writeOnArrival: false }));
  assert.equal(res.status, 'done');
  await assertExact(sim, REPO, staged);
  assert.equal(res.bytesFetched, staged.size);

  // written at once until the device stalls a quarter of the way in, staged from there on
  sim.faults.set({ bandwidthPerConn: 16 * MiB });
  const task = await taskFor(sim, REPO, await tempDir(t), FILE);
  const device = (await stat(path.dirname(task.dest))).dev;
  let arrived = 0;
  let turned = false;
  const opts = testOptions(sim, segmented);
  const res2 = await downloadFile(task, {
    ...opts,
    onBytes: (p, n) => {
      opts.onBytes?.(p, n);
      arrived += n;
      if (!turned && arrived > task.size / 4) {
        turned = true;
        wroteAtOnce(device, performance.now() - 500, performance.now());
      }
    },
  });
  assert.equal(turned, true);
  assert.equal(writeAtOnce(device, performance.now()), false, 'the device was judged slow');
  assert.equal(res2.status, 'done');
  await assertExact(sim, REPO, task);
  assert.equal(res2.bytesFetched, task.size);
});

test('cancel keeps the partial; the next call resumes with < 10% fetched again', { timeout: 30_000 }, async (t) => {
  const task = await taskFor(sim, REPO, await tempDir(t), FILE);
  sim.faults.set({ bandwidthPerConn: 8 * MiB });
  const ctl = new AbortController();
  let canceledAt = 0;
  const first = testOptions(sim, { ...segmented, signal: ctl.signal });
  first.onBytes = (_p, d) => {
    first.rec.bytes += d;
    if (!canceledAt && first.rec.bytes >= 0.4 * task.size) {
      canceledAt = performance.now();
      ctl.abort();
    }
  };
  const err = await downloadFile(task, first).then(
    () => assert.fail('should be canceled'),
    (e: unknown) => e,
  );
  const stopMs = performance.now() - canceledAt;
  assert.ok(err instanceof DownloadError && err.code === 'Canceled', String(err));
  // generous: a cancel that waits for a connection (or a stalled one) would take seconds
  assert.ok(stopMs < 5_000, `stopped ${Math.round(stopMs)} ms after the abort`);
  assert.equal(await exists(task.dest), false);
  assert.equal(await exists(partialPath(task.dest)), true);
  const side = JSON.parse(await readFile(sidecarPath(task.dest), 'utf8')) as { done: [number, number][] };
  const kept = new RangeSet(side.done).size();
  const firstServed = served(cdnGets());

  sim.faults.reset();
  sim.stats.reset();
  const second = testOptions(sim, segmented);
  const res = await downloadFile(task, second);

  assert.equal(res.status, 'done');
  await assertExact(sim, REPO, task);
  assert.equal(second.rec.events.find((e) => e.type === 'resume')?.bytes, kept);
  assert.equal(res.bytesFetched, task.size - kept);
  const again = overlap(firstServed, served(cdnGets()));
  const pct = (100 * again) / task.size;
  t.diagnostic(
    `cancel: stopped in ${Math.round(stopMs)} ms; kept ${kept} B (${((100 * kept) / task.size).toFixed(1)}%); re-downloaded ${again} B = ${pct.toFixed(2)}% of the file`,
  );
  assert.ok(pct < 10, `re-downloaded ${pct.toFixed(2)}%`);
});

test('after the process is killed mid-download, a new call resumes from the sidecar and its journal', { timeout: 30_000 }, async (t) => {
  const task = await taskFor(sim, REPO, await tempDir(t), FILE);
  sim.faults.set({ bandwidthPerConn: 4 * MiB });
  const childOptions: EngineOptions = {
    hubOrigin: sim.url,
    segmentConnections: 8,
    segmentThreshold: 8 * MiB,
    segmentSize: 4 * MiB,
    retries: 5,
    stallTimeoutMs: 5_000,
    checkpointMs: 100,
  };
  const child = spawn(process.execPath, [fileURLToPath(new URL('./crash-child.ts', import.meta.url)), JSON.stringify({ task, options: childOptions })], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  // kill it once the sidecar says a third of the file is safely on disk
  for (;;) {
    const text = await readFile(sidecarPath(task.dest), 'utf8').catch(() => '');
    const done = text ? new RangeSet((JSON.parse(text) as { done: [number, number][] }).done).size() : 0;
    if (done >= task.size / 3) break;
    assert.equal(output, '', 'the child finished before it could be killed');
    await new Promise((r) => setTimeout(r, 20));
  }
  child.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL');
  assert.equal(await exists(task.dest), false);
  const side = JSON.parse(await readFile(sidecarPath(task.dest), 'utf8')) as { done: [number, number][] };
  // the fsynced ranges, plus every write the journal lists (the page cache outlives the process)
  const onDisk = new RangeSet([...side.done, ...(await readJournal(task.dest, task.size))]);
  const kept = onDisk.size();
  assert.ok(kept >= new RangeSet(side.done).size());

  sim.faults.reset();
  sim.stats.reset();
  const opts = testOptions(sim, segmented);
  const res = await downloadFile(task, opts);

  assert.equal(res.status, 'done');
  await assertExact(sim, REPO, task);
  assert.equal(opts.rec.events.find((e) => e.type === 'resume')?.bytes, kept);
  assert.equal(res.bytesFetched, task.size - kept, 'only the ranges missing from the sidecar and journal were fetched');
  // none of the ranges recorded as written was requested again
  const refetched = overlap(onDisk, served(cdnGets()));
  t.diagnostic(`crash: sidecar and journal listed ${kept} B (${((100 * kept) / task.size).toFixed(1)}%); bytes of those ranges served again: ${refetched}`);
  assert.equal(refetched, 0);
});
