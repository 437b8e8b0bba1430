// Fault knobs (programmatic and over HTTP), stats, mutateFile and advanceBranch.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { startHubSim } from '../src/index.ts';
import type { HubSim } from '../src/index.ts';
import { ALICE, getJson, request, sha256, unquote, waitFor } from './helpers.ts';
import type { TreeEntry } from './helpers.ts';

let sim: HubSim;
let base: string;

before(async () => {
  sim = await startHubSim();
  base = sim.url;
});
afterEach(() => sim.faults.reset());
after(() => sim.close());

/** The CDN URL of an LFS file (via the hub's 302). */
async function cdnOf(repoPath: string): Promise<{ origin: string; target: string }> {
  const head = await request(base, repoPath, { method: 'HEAD' });
  assert.equal(head.status, 302);
  const u = new URL(String(head.headers.location));
  return { origin: u.origin, target: u.pathname + u.search };
}

const MODEL = '/acme/tiny-model/resolve/main/model.safetensors';
const WEIGHTS = '/acme/tiny-model/resolve/main/nested/deep/weights.bin';

describe('status rules', () => {
  test('default target: the next file body GET fails once, HEAD and API are untouched', async () => {
    const cdn = await cdnOf(MODEL);
    sim.faults.set({ rules: [{ kind: 'status', status: 503 }] });
    assert.equal((await request(base, '/api/models/acme/tiny-model')).status, 200);
    assert.equal((await request(cdn.origin, cdn.target, { method: 'HEAD' })).status, 200);
    const failed = await request(cdn.origin, cdn.target);
    assert.equal(failed.status, 503);
    assert.match(String(failed.headers['x-error-message']), /503/);
    const ok = await request(cdn.origin, cdn.target);
    assert.equal(ok.status, 200);
    assert.deepEqual(sim.faults.get().rules, []);
  });

  test('count and match: a 500 on the tree endpoint twice', async () => {
    sim.faults.set({ rules: [{ kind: 'status', status: 500, match: '/api/models/acme/tiny-model/tree', count: 2 }] });
    assert.equal((await request(base, '/api/models/acme/tiny-model/tree/main')).status, 500);
    assert.equal(sim.faults.get().rules?.[0]?.count, 1);
    assert.equal((await request(base, '/api/models/acme/tiny-model/refs')).status, 200);
    assert.equal((await request(base, '/api/models/acme/tiny-model/tree/main')).status, 500);
    assert.equal((await request(base, '/api/models/acme/tiny-model/tree/main')).status, 200);
  });

  test('429 carries Retry-After and RateLimit headers', async () => {
    sim.faults.addRule({ kind: 'status', status: 429, retryAfter: 3, match: 'model.safetensors' });
    const res = await request(base, MODEL, { method: 'HEAD' });
    assert.equal(res.status, 429);
    assert.equal(res.headers['retry-after'], '3');
    assert.match(String(res.headers.ratelimit), /^"resolvers";r=0;t=3$/);
    assert.match(String(res.headers['ratelimit-policy']), /^"fixed window";"resolvers";q=\d+;w=300$/);
    sim.faults.addRule({ kind: 'status', status: 429, match: '/api/models/' });
    const api = await request(base, '/api/models/acme/tiny-model');
    assert.equal(api.headers['retry-after'], '1');
    assert.match(String(api.headers.ratelimit), /^"api";r=0;t=1$/);
  });

  test('match sees the decoded path and query', async () => {
    sim.faults.addRule({ kind: 'status', status: 502, match: 'with space/file name.txt' });
    assert.equal((await request(base, '/acme/tiny-model/resolve/main/with%20space/file%20name.txt', { method: 'HEAD' })).status, 502);
  });
});

describe('body faults', () => {
  test('reset breaks the body mid-way', async () => {
    const cdn = await cdnOf(MODEL);
    sim.faults.set({ rules: [{ kind: 'reset', afterBytes: 100_000 }] });
    const res = await request(cdn.origin, cdn.target);
    assert.equal(res.status, 200);
    assert.ok(res.error, 'body must break');
    assert.ok(res.body.length <= 100_000, `got ${res.body.length}`);
    const rec = await waitFor(() => sim.stats.requests.find((r) => r.server === 'cdn' && r.fault === 'reset'));
    assert.equal(rec.bytes, 100_000);
    // spent: the next download is whole
    const again = await request(cdn.origin, cdn.target);
    assert.equal(again.error, undefined);
    assert.equal(again.body.length, Number(again.headers['content-length']));
  });

  test('truncate delivers exactly afterBytes then closes cleanly', async () => {
    const content = await sim.fileBytes('acme/private-model', 'main', 'model.safetensors');
    sim.faults.set({ rules: [{ kind: 'truncate', afterBytes: 12_345 }] });
    const res = await request(base, '/acme/private-model/resolve/main/model.safetensors', { headers: ALICE });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-length'], String(content.length));
    assert.ok(res.error);
    assert.equal(res.body.length, 12_345);
    assert.deepEqual(res.body, content.subarray(0, 12_345));
  });

  test('truncate defaults to half of a ranged body', async () => {
    const cdn = await cdnOf(WEIGHTS);
    sim.faults.set({ rules: [{ kind: 'truncate', match: '/lfs/' }] });
    const res = await request(cdn.origin, cdn.target, { headers: { Range: 'bytes=1000-1999' } });
    assert.equal(res.status, 206);
    assert.equal(res.body.length, 500);
  });

  test('stall pauses, then the body completes', async () => {
    const cdn = await cdnOf(WEIGHTS);
    const content = await sim.fileBytes('acme/tiny-model', 'main', 'nested/deep/weights.bin');
    sim.faults.set({ rules: [{ kind: 'stall', stallMs: 600, afterBytes: 1000 }] });
    const res = await request(cdn.origin, cdn.target);
    assert.equal(res.error, undefined);
    assert.ok(res.ms >= 550, `took ${res.ms} ms`);
    assert.equal(sha256(res.body), sha256(content));
  });

  test('stall without stallMs lasts until the client gives up', async () => {
    const cdn = await cdnOf(WEIGHTS);
    sim.faults.set({ rules: [{ kind: 'stall', afterBytes: 2048 }] });
    const res = await request(cdn.origin, cdn.target, { timeoutMs: 400 });
    assert.ok(res.error);
    assert.equal(res.body.length, 2048);
    assert.ok(res.ms >= 380);
  });

  test('body faults can target JSON responses with match', async () => {
    sim.faults.set({ rules: [{ kind: 'truncate', match: '/api/models/acme/many-files/tree' }] });
    const res = await request(base, '/api/models/acme/many-files/tree/main?recursive=true');
    assert.ok(res.error);
    assert.throws(() => JSON.parse(res.body.toString()));
  });
});

describe('bandwidth and latency', () => {
  test('per-connection cap roughly limits speed', async () => {
    const cdn = await cdnOf(WEIGHTS); // ~1 MiB
    sim.faults.set({ bandwidthPerConn: 2_000_000 });
    const res = await request(cdn.origin, cdn.target);
    assert.equal(res.error, undefined);
    const rate = res.body.length / (res.ms / 1000);
    // ~0.52 s expected; only lower bounds on the time: a loaded machine can only make it slower
    assert.ok(res.ms > 350, `took ${res.ms} ms`);
    assert.ok(rate < 3_000_000, `rate ${rate}`);
  });

  test('the link cap is shared between connections', async () => {
    const cdn = await cdnOf(WEIGHTS);
    sim.faults.set({ linkBandwidth: 4_000_000 });
    const started = performance.now();
    const all = await Promise.all([1, 2, 3, 4].map(() => request(cdn.origin, cdn.target)));
    const ms = performance.now() - started;
    const bytes = all.reduce((s, r) => s + r.body.length, 0);
    assert.ok(all.every((r) => r.error === undefined));
    // 4 MiB at 4 MB/s ≈ 1.05 s
    assert.ok(ms > 700, `took ${ms} ms for ${bytes} bytes`);
  });

  test('latency delays every request; back to 0, the next request is not held', async () => {
    sim.faults.set({ latencyMs: 150 });
    const res = await request(base, '/api/models/acme/tiny-model/refs');
    assert.equal(res.status, 200);
    assert.ok(res.ms >= 140, `took ${res.ms} ms`);
    // no upper wall-clock bound (a loaded machine breaks those): a latency of 10 min holds a request past
    // the client's patience, and once it is reset the next request is answered
    sim.faults.update({ latencyMs: 600_000 });
    const held = await request(base, '/api/models/acme/tiny-model/refs', { timeoutMs: 300 });
    assert.equal(held.status, 0);
    assert.match(String(held.error?.message), /client timeout/);
    sim.faults.update({ latencyMs: 0 });
    const fast = await request(base, '/api/models/acme/tiny-model/refs', { timeoutMs: 60_000 });
    assert.equal(fast.error, undefined);
    assert.equal(fast.status, 200);
  });
});

describe('HTTP control routes', () => {
  test('POST/GET/DELETE /_sim/faults and /_sim/stats', async () => {
    const post = await request(base, '/_sim/faults', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ latencyMs: 5, rules: [{ kind: 'status', status: 500, match: '/refs', count: 2 }] }),
    });
    assert.equal(post.status, 200);
    assert.deepEqual(sim.faults.get(), { latencyMs: 5, rules: [{ kind: 'status', status: 500, match: '/refs', count: 2 }] });
    assert.equal((await request(base, '/api/models/acme/tiny-model/refs')).status, 500);
    const current = await getJson<{ rules: Array<{ count: number }> }>(base, '/_sim/faults');
    assert.equal(current.json.rules[0]?.count, 1);
    const patch = await request(base, '/_sim/faults', { method: 'PATCH', body: JSON.stringify({ latencyMs: null }) });
    assert.equal(patch.status, 200);
    assert.equal(sim.faults.get().latencyMs, undefined);
    assert.equal(sim.faults.get().rules?.length, 1);
    assert.equal((await request(base, '/_sim/faults', { method: 'DELETE' })).status, 200);
    assert.deepEqual(sim.faults.get(), { rules: [] });
    assert.equal((await request(base, '/api/models/acme/tiny-model/refs')).status, 200);

    const bad = await request(base, '/_sim/faults', { method: 'POST', body: JSON.stringify({ rules: [{ kind: 'explode' }] }) });
    assert.equal(bad.status, 400);

    assert.equal((await request(base, '/_sim/stats', { method: 'DELETE' })).status, 200);
    const cdn = await cdnOf(MODEL);
    await request(cdn.origin, cdn.target, { headers: { Range: 'bytes=0-99' } });
    const stats = await getJson<{
      bytesServed: number;
      requests: Array<{ server: string; path: string; status: number; bytes: number; range?: string; auth?: boolean }>;
    }>(base, '/_sim/stats');
    const cdnRec = stats.json.requests.find((r) => r.server === 'cdn');
    assert.equal(cdnRec?.status, 206);
    assert.equal(cdnRec?.bytes, 100);
    assert.equal(cdnRec?.range, 'bytes=0-99');
    assert.ok(stats.json.requests.some((r) => r.path === '/acme/tiny-model/resolve/main/model.safetensors' && r.status === 302));
    assert.ok(stats.json.bytesServed >= 100);
    assert.ok(!stats.json.requests.some((r) => r.path.startsWith('/_sim')));
    assert.equal(sim.stats.bytesServed(), stats.json.bytesServed);
  });

  test('auth flag in stats', async () => {
    sim.stats.reset();
    await request(base, '/api/models/acme/private-model', { headers: ALICE });
    await request(base, '/api/models/acme/tiny-model');
    assert.deepEqual(
      sim.stats.requests.map((r) => r.auth),
      [true, false],
    );
  });
});

describe('content changes', () => {
  test('mutateFile changes etag and bytes of an LFS file at the same commit', async () => {
    const own = await startHubSim();
    try {
      const commit = own.commitSha('acme/tiny-model');
      const before = await request(own.url, MODEL, { method: 'HEAD' });
      const oldEtag = unquote(before.headers['x-linked-etag']);
      const oldLocation = new URL(String(before.headers.location));
      own.mutateFile('acme/tiny-model', 'model.safetensors', 'new-seed');
      const after = await request(own.url, MODEL, { method: 'HEAD' });
      const newEtag = unquote(after.headers['x-linked-etag']);
      assert.notEqual(newEtag, oldEtag);
      assert.equal(after.headers['x-repo-commit'], commit);
      assert.equal(own.commitSha('acme/tiny-model'), commit);
      assert.equal(after.headers['x-linked-size'], before.headers['x-linked-size']);
      const loc = new URL(String(after.headers.location));
      const bytes = await request(loc.origin, loc.pathname + loc.search);
      assert.equal(sha256(bytes.body), newEtag);
      const tree = await getJson<TreeEntry[]>(own.url, '/api/models/acme/tiny-model/tree/main');
      assert.equal(tree.json.find((e) => e.path === 'model.safetensors')?.lfs?.oid, newEtag);
      // a resume against the new content with the old validator must restart from 0
      const resumed = await request(loc.origin, loc.pathname + loc.search, { headers: { Range: 'bytes=1000-', 'If-Range': `"${oldEtag}"` } });
      assert.equal(resumed.status, 200);
      // the CDN is content-addressed: the old (still signed and current) URL still serves the old bytes
      const old = await request(oldLocation.origin, oldLocation.pathname + oldLocation.search);
      assert.equal(sha256(old.body), oldEtag);
      // and a regular file over HTTP
      const cfg = await request(own.url, '/acme/tiny-model/resolve/main/config.json', { method: 'HEAD' });
      const res = await request(own.url, '/_sim/mutate', { method: 'POST', body: JSON.stringify({ repo: 'acme/tiny-model', path: 'config.json', seed: 'x' }) });
      assert.equal(res.status, 200);
      const cfg2 = await request(own.url, '/acme/tiny-model/resolve/main/config.json', { method: 'HEAD' });
      assert.notEqual(cfg2.headers['x-linked-etag'], cfg.headers['x-linked-etag']);
      const body = await request(own.url, String(cfg2.headers.location));
      assert.ok(body.body.toString().startsWith('mutated x\n'));
      assert.equal(body.headers['content-length'], cfg2.headers['x-linked-size']);
    } finally {
      await own.close();
    }
  });

  test('advanceBranch moves a branch to a new commit', async () => {
    const own = await startHubSim();
    try {
      const old = own.commitSha('acme/tiny-model', 'main');
      const oldReadme = await own.fileBytes('acme/tiny-model', 'main', 'README.md');
      const sha = own.advanceBranch('acme/tiny-model', 'main');
      assert.match(sha, /^[0-9a-f]{40}$/);
      assert.notEqual(sha, old);
      const info = await getJson<{ sha: string }>(own.url, '/api/models/acme/tiny-model/revision/main');
      assert.equal(info.json.sha, sha);
      const head = await request(own.url, '/acme/tiny-model/resolve/main/README.md', { method: 'HEAD' });
      assert.equal(head.headers['x-repo-commit'], sha);
      const readme = await request(own.url, String(head.headers.location));
      assert.notDeepEqual(readme.body, oldReadme);
      // the old commit stays reachable by sha, with its old content
      const oldHead = await request(own.url, `/acme/tiny-model/resolve/${old}/README.md`, { method: 'HEAD' });
      assert.equal(oldHead.headers['x-repo-commit'], old);
      assert.deepEqual((await request(own.url, String(oldHead.headers.location))).body, oldReadme);
      const tree = await getJson<TreeEntry[]>(own.url, '/api/models/acme/tiny-model/tree/main?expand=true');
      assert.equal(tree.json.find((e) => e.path === 'README.md')?.lastCommit?.id, sha);
      assert.equal(tree.json.find((e) => e.path === 'config.json')?.lastCommit?.id, own.commitSha('acme/tiny-model', 'v1.0'));
      // over HTTP, with a chosen change
      const res = await getJsonPost(own.url, '/_sim/advance', { repo: 'acme/tiny-model', branch: 'dev', path: 'new.txt', text: 'hi\n' });
      assert.equal(res.sha, own.commitSha('acme/tiny-model', 'dev'));
      assert.deepEqual(await own.fileBytes('acme/tiny-model', 'dev', 'new.txt'), Buffer.from('hi\n'));
      // deterministic: a fresh simulator doing the same gets the same sha
      const twin = await startHubSim();
      try {
        assert.equal(twin.advanceBranch('acme/tiny-model', 'main'), sha);
      } finally {
        await twin.close();
      }
    } finally {
      await own.close();
    }
  });
});

async function getJsonPost(base: string, path: string, body: unknown): Promise<{ sha: string }> {
  const res = await request(base, path, { method: 'POST', body: JSON.stringify(body) });
  assert.equal(res.status, 200);
  return JSON.parse(res.body.toString()) as { sha: string };
}
