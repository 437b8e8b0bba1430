// What the live Hub does to downloaders (/work/shared/reference is summarised in hubsim/README.md):
// outages waited out, RateLimit t honoured, gzip from a CDN that ignores Accept-Encoding, size refusals.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, beforeEach, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { Agent, type Dispatcher } from 'undici';
import { startHubSim, type HubSim } from '../../../hubsim/src/index.ts';
import { DownloadError, downloadFile } from '../../src/engine/index.ts';
import { assertExact, bigCatalog, sha256, taskFor, tempDir, testOptions } from './helpers.ts';

const REPO = 'acme/big';
const FILE = 'big.bin'; // 8 MiB + 7
let sim: HubSim;
before(async () => {
  sim = await startHubSim({ catalog: bigCatalog(8) });
});
after(() => sim.close());
beforeEach(() => {
  sim.faults.reset();
  sim.stats.reset();
});

/** A dispatcher that notes when each request leaves. */
function timedDispatcher(): { dispatcher: Dispatcher; times: Array<{ at: number; path: string }>; close(): Promise<void> } {
  const agent = new Agent();
  const times: Array<{ at: number; path: string }> = [];
  const dispatcher = agent.compose((dispatch) => (opts, handler) => {
    times.push({ at: performance.now(), path: String(opts.path) });
    return dispatch(opts, handler);
  });
  return { dispatcher, times, close: () => agent.close() };
}

test('an outage longer than the quick retries is waited out, saying so, and the file finishes', { timeout: 60_000 }, async (t) => {
  const task = await taskFor(sim, REPO, await tempDir(t), FILE);
  // every body request fails for a while: far more failures than the 2 quick retries allow
  sim.faults.set({ rules: [{ kind: 'status', status: 503, count: 12 }] });
  const waits: Array<{ reason: string; attempt: number } | null> = [];
  const opts = testOptions(sim, { retries: 2, outageTimeoutMs: 60_000, outageMaxDelayMs: 200, onWaiting: (_p, w) => waits.push(w) });

  const res = await downloadFile(task, opts);

  assert.equal(res.status, 'done');
  await assertExact(sim, REPO, task);
  const shown = waits.filter((w) => w !== null);
  assert.ok(shown.length > 0, 'the file said it was waiting for the Hub');
  assert.match(shown[0]!.reason, /answered 503/);
  assert.ok(shown.every((w) => w!.attempt > 2));
  assert.equal(waits.at(-1), null, 'the waiting state ended when bytes flowed again');
});

test('an outage that outlasts HUB_OUTAGE_TIMEOUT fails the file, keeping what it has', { timeout: 60_000 }, async (t) => {
  const task = await taskFor(sim, REPO, await tempDir(t), FILE);
  sim.faults.set({ rules: [{ kind: 'status', status: 503, count: 100_000 }] });
  const opts = testOptions(sim, { retries: 1, outageTimeoutMs: 600, outageMaxDelayMs: 100 });
  const err = await downloadFile(task, opts).then(
    () => assert.fail('should fail'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof DownloadError && err.code === 'NetworkError', String(err));
  assert.equal(err.permanent, false);
  assert.match(err.message, /giving up after 1 retries and \d+ s of waiting for the Hub/);
});

test('a 429 with RateLimit t: the next request leaves t seconds later, not before', { timeout: 30_000 }, async (t) => {
  const task = await taskFor(sim, REPO, await tempDir(t), FILE);
  // the simulator's 429 carries RateLimit: "resolvers";r=0;t=1 and Retry-After: 1
  sim.faults.set({ rules: [{ kind: 'status', status: 429, retryAfter: 1, match: '/resolve/' }] });
  const timed = timedDispatcher();
  t.after(() => timed.close());
  const opts = testOptions(sim, { retries: 0, dispatcher: timed.dispatcher });

  const res = await downloadFile(task, opts);

  assert.equal(res.status, 'done');
  const resolves = timed.times.filter((r) => r.path.includes('/resolve/'));
  assert.ok(resolves.length >= 2);
  const gap = resolves[1]!.at - resolves[0]!.at;
  assert.ok(gap >= 1000, `the retry left after ${Math.round(gap)} ms, before the window reset`);
});

test('a CDN that answers 400 for the file (size limits of the bridge) fails it at once with the cause', { timeout: 30_000 }, async (t) => {
  const task = await taskFor(sim, REPO, await tempDir(t), FILE);
  sim.faults.set({ rules: [{ kind: 'status', status: 400, match: `path=${FILE}`, count: 100 }] });
  const err = await downloadFile(task, testOptions(sim)).then(
    () => assert.fail('should fail'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof DownloadError && err.code === 'HubError', String(err));
  assert.equal(err.permanent, true);
  assert.match(err.message, /refused to serve the file \(400\).*Xet/);
});

// A server that ignores Accept-Encoding: identity and sends small files gzipped and chunked, as a CDN
// may (huggingface_hub PR #3778); the Hub hop gives the identity.
test('a small file sent gzipped and chunked against our wishes is decoded and verified', { timeout: 30_000 }, async (t) => {
  const body = Buffer.from('{"architectures": ["Demo"], "hidden_size": 64}\n'.repeat(50));
  const gz = gzipSync(body);
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'transfer-encoding': 'chunked' });
    res.end(gz);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const port = (server.address() as { port: number }).port;
  const dir = await tempDir(t);
  const task = {
    path: 'config.json',
    size: body.length,
    sha256: sha256(body),
    url: `http://127.0.0.1:${port}/acme/x/resolve/c/config.json`,
    dest: `${dir}/config.json`,
  };

  const res = await downloadFile(task, testOptions(sim, { hubOrigin: `http://127.0.0.1:${port}` }));

  assert.equal(res.status, 'done');
  assert.equal(res.sha256, sha256(body));
});

// The live CDN: signed links that expire (here after 1 s), and an ETag that is per response or absent.
for (const cdnEtag of ['per-response', 'none'] as const) {
  test(`a segmented file finishes byte-exact with ${cdnEtag} CDN ETags and links expiring mid-download`, { timeout: 60_000 }, async (t) => {
    const own = await startHubSim({ catalog: bigCatalog(24), live: { cdnEtag, urlTtlSeconds: 1 } });
    t.after(() => own.close());
    const task = await taskFor(own, REPO, await tempDir(t), FILE);
    // 8 connections × 1 MiB/s: about 3 s in all, so the 1 s links expire while it runs
    own.faults.set({ bandwidthPerConn: 1024 * 1024 });
    const opts = testOptions(own, { segmentConnections: 8, segmentThreshold: 4 * 1024 * 1024, segmentSize: 2 * 1024 * 1024, retries: 1 });

    const res = await downloadFile(task, opts);

    assert.equal(res.status, 'done');
    await assertExact(own, REPO, task);
    const served = own.stats.bytesServed();
    const twice = served - task.size;
    t.diagnostic(
      `served ${served} B for ${task.size} B (${((100 * twice) / task.size).toFixed(2)}% twice); ${own.stats.requests.filter((r) => r.server === 'hub').length} resolves`,
    );
    assert.ok(twice < task.size * 0.05, `${twice} bytes fetched twice`);
    assert.ok(!opts.rec.events.some((e) => e.type === 'restart'), 'no restart: the CDN ETag is not an identity');
    const renewals = own.stats.requests.filter((r) => r.server === 'hub' && r.method === 'GET').length;
    assert.ok(renewals >= 2, `links were renewed through the Hub (${renewals} resolves)`);
  });
}

test('a file above the bridge limit fails at once, saying why', { timeout: 30_000 }, async (t) => {
  const own = await startHubSim({ catalog: bigCatalog(8), live: { bridgeMaxSize: 4 * 1024 * 1024 } });
  t.after(() => own.close());
  const task = await taskFor(own, REPO, await tempDir(t), FILE);
  const err = await downloadFile(task, testOptions(own)).then(
    () => assert.fail('should fail'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof DownloadError && err.permanent, String(err));
  assert.match(err.message, /\(400\).*Xet/);
});
