// Broken connections, truncated bodies, 5xx bursts, 429s and stalls: each ends byte-exact (resuming from
// the bytes already written) or as a clean failure with nothing at the destination.
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { startHubSim, type HubSim } from '../../../hubsim/src/index.ts';
import { DownloadError, downloadFile } from '../../src/engine/index.ts';
import { assertExact, bodyRequests, exists, taskFor, tempDir, testOptions } from './helpers.ts';
import { partialPath, sidecarPath } from '../../src/engine/sidecar.ts';

const REPO = 'acme/tiny-model';
const MODEL = 'model.safetensors'; // 3 MiB + 5, LFS: resolve 302 → CDN
let sim: HubSim;
before(async () => {
  sim = await startHubSim();
});
after(() => sim.close());
beforeEach(() => {
  sim.faults.reset();
  sim.stats.reset();
});

/** Start offsets of the ranged body requests, in order. */
const starts = (path: string) => bodyRequests(sim, path).map((r) => Number(/bytes=(\d+)-/.exec(r.range ?? '')?.[1]));

for (const kind of ['reset', 'truncate'] as const) {
  test(`${kind} mid-body: retried from the bytes already written`, async (t) => {
    const task = await taskFor(sim, REPO, await tempDir(t), MODEL);
    sim.faults.set({ rules: [{ kind, match: `path=${MODEL}`, count: 2 }] });
    const opts = testOptions(sim);

    const res = await downloadFile(task, opts);

    assert.equal(res.status, 'done');
    await assertExact(sim, REPO, task);
    assert.equal(opts.rec.events.filter((e) => e.type === 'retry').length, 2);
    const s = starts(MODEL);
    assert.equal(s.length, 3);
    assert.ok(s[0] === 0 && s[1]! > 0 && s[2]! > s[1]!, `resumed from later offsets each time: ${s}`);
    // no byte was fetched twice
    assert.equal(res.bytesFetched, task.size);
    assert.equal(opts.rec.bytes, task.size);
  });
}

test('a burst of 503s is retried with backoff', async (t) => {
  const task = await taskFor(sim, REPO, await tempDir(t), MODEL);
  sim.faults.set({ rules: [{ kind: 'status', status: 503, match: `path=${MODEL}`, count: 3 }] });
  const opts = testOptions(sim);
  const res = await downloadFile(task, opts);
  assert.equal(res.status, 'done');
  await assertExact(sim, REPO, task);
  assert.deepEqual(
    opts.rec.events.filter((e) => e.type === 'retry').map((e) => e.attempt),
    [1, 2, 3],
  );
});

test('5xx beyond the retry budget: a clean, non-permanent failure', async (t) => {
  const task = await taskFor(sim, REPO, await tempDir(t), MODEL);
  sim.faults.set({ rules: [{ kind: 'status', status: 500, match: `path=${MODEL}`, count: 100 }] });
  const opts = testOptions(sim, { retries: 3 });
  const err = await downloadFile(task, opts).then(
    () => assert.fail('should fail'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof DownloadError);
  assert.equal(err.code, 'NetworkError');
  assert.equal(err.permanent, false);
  assert.equal(err.httpStatus, 500);
  assert.match(err.message, /giving up after 3 retries/);
  assert.equal(sim.stats.requests.filter((r) => r.server === 'cdn').length, 4);
  assert.equal(await exists(task.dest), false);
});

test('a connection that keeps breaking fails the file but keeps the partial; the next call resumes it', async (t) => {
  const task = await taskFor(sim, REPO, await tempDir(t), MODEL);
  // 100 kB per attempt: progress, but too little to earn the retry budget back
  sim.faults.set({ rules: [{ kind: 'reset', match: `path=${MODEL}`, count: 100, afterBytes: 100_000 }] });
  const first = testOptions(sim, { retries: 3 });
  const err = await downloadFile(task, first).then(
    () => assert.fail('should fail'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof DownloadError && err.code === 'NetworkError', String(err));
  assert.equal(await exists(task.dest), false);
  assert.equal(await exists(partialPath(task.dest)), true);
  assert.equal(await exists(sidecarPath(task.dest)), true);

  sim.faults.reset();
  sim.stats.reset();
  const second = testOptions(sim);
  const res = await downloadFile(task, second);
  assert.equal(res.status, 'done');
  await assertExact(sim, REPO, task);
  // up to 4 × 100 kB arrived (an RST may drop bytes still in flight)
  const kept = second.rec.events.find((e) => e.type === 'resume')?.bytes ?? 0;
  assert.ok(kept > 100_000 && kept <= 400_000, `kept ${kept}`);
  assert.equal(res.bytesFetched, task.size - kept);
  assert.deepEqual(starts(MODEL), [kept]);
  assert.equal(await exists(sidecarPath(task.dest)), false);
});

test('429 waits exactly as RateLimit t asks, without using the retry budget', async (t) => {
  const task = await taskFor(sim, REPO, await tempDir(t), MODEL);
  sim.faults.set({ rules: [{ kind: 'status', status: 429, retryAfter: 0, match: '/resolve/' }] });
  // no retries at all: only a 429 that is not counted as a failure can succeed
  const opts = testOptions(sim, { retries: 0 });
  const res = await downloadFile(task, opts);
  assert.equal(res.status, 'done');
  await assertExact(sim, REPO, task);
  const waits = opts.rec.events.filter((e) => e.type === 'retry');
  assert.equal(waits.length, 1);
  // RateLimit: "resolvers";r=0;t=0 — the window has reset: waited exactly t, as huggingface_hub does
  assert.match(waits[0]!.message!, /rate-limiting downloads \(429\); waiting 0 s/);
});

test('a stalled connection is abandoned after stallTimeoutMs and its range fetched again', async (t) => {
  const task = await taskFor(sim, REPO, await tempDir(t), MODEL);
  // stallMs unset: the server would hold the connection open forever
  sim.faults.set({ rules: [{ kind: 'stall', match: `path=${MODEL}`, afterBytes: 1_000_000 }] });
  const opts = testOptions(sim, { stallTimeoutMs: 400 });
  const res = await downloadFile(task, opts);
  assert.equal(res.status, 'done');
  await assertExact(sim, REPO, task);
  assert.ok(opts.rec.events.some((e) => e.type === 'retry' && /no data for 400 ms/.test(e.message ?? '')));
  const s = starts(MODEL);
  assert.equal(s[0], 0);
  assert.ok(s.includes(1_000_000), `resumed at the stall point: ${s}`);
});

test('a slow but steady connection is not mistaken for a stall', async (t) => {
  const task = await taskFor(sim, REPO, await tempDir(t), MODEL);
  // ~1.5 s of transfer in ~10 ms chunks, watched by a 500 ms stall timeout
  sim.faults.set({ bandwidthPerConn: 2 * 1024 * 1024 });
  const opts = testOptions(sim, { stallTimeoutMs: 500 });
  const res = await downloadFile(task, opts);
  assert.equal(res.status, 'done');
  assert.deepEqual(opts.rec.types(), ['start', 'verified', 'done']);
  assert.equal(starts(MODEL).length, 1);
});

test('a CDN URL that stopped working (403) is obtained again from the Hub', async (t) => {
  const task = await taskFor(sim, REPO, await tempDir(t), MODEL);
  sim.faults.set({ rules: [{ kind: 'reset', match: `path=${MODEL}`, afterBytes: 1_000_000 }] });
  const opts = testOptions(sim);
  opts.onEvent = (e) => {
    opts.rec.events.push(e);
    // the retry goes straight to the CDN URL of the first answer: make it look expired
    if (e.type === 'retry' && e.attempt === 1) sim.faults.addRule({ kind: 'status', status: 403, match: `path=${MODEL}` });
  };
  const res = await downloadFile(task, opts);
  assert.equal(res.status, 'done');
  await assertExact(sim, REPO, task);
  assert.deepEqual(
    sim.stats.requests.map((r) => `${r.server} ${r.status}`),
    ['hub 302', 'cdn 206', 'cdn 403', 'hub 302', 'cdn 206'],
  );
  assert.equal(res.bytesFetched, task.size);
});

test('regular files (307 to resolve-cache on the Hub) survive a reset too', async (t) => {
  const task = await taskFor(sim, REPO, await tempDir(t), 'README.md');
  sim.faults.set({ rules: [{ kind: 'reset', match: 'resolve-cache' }] });
  const opts = testOptions(sim);
  const res = await downloadFile(task, opts);
  assert.equal(res.status, 'done');
  await assertExact(sim, REPO, task);
  assert.equal(opts.rec.events.filter((e) => e.type === 'retry').length, 1);
});
