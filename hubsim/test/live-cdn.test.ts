// Live-Hub CDN behaviours (sim.live): no identity headers, ETag modes, signed URLs that expire, size refusals, gzip.
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { after, afterEach, before, describe, test } from 'node:test';
import { defaultCatalog, startHubSim } from '../src/index.ts';
import type { CatalogConfig, HubSim } from '../src/index.ts';
import { eventually, request, sha256, unquote } from './helpers.ts';

const MiB = 1024 * 1024;
const VOCAB = JSON.stringify(Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`token_${i}`, i])), null, 1);
const CATALOG: CatalogConfig = {
  ...defaultCatalog,
  repos: [
    ...defaultCatalog.repos,
    {
      id: 'acme/live',
      commits: [{ id: 'c1', files: { 'vocab.json': VOCAB, 'small.txt': 'tiny\n', 'weights.bin': { lfs: { size: 3 * MiB } } } }],
      refs: { branches: { main: 'c1' } },
    },
  ],
};
const WEIGHTS = '/acme/live/resolve/main/weights.bin';

let sim: HubSim;
before(async () => {
  sim = await startHubSim({ catalog: CATALOG });
});
afterEach(() => sim.live.reset());
after(() => sim.close());

async function cdnUrl(path = WEIGHTS): Promise<URL> {
  const head = await request(sim.url, path, { method: 'HEAD' });
  assert.equal(head.status, 302);
  return new URL(String(head.headers.location));
}

const get = (u: URL, headers: Record<string, string> = {}, method = 'GET') => request(u.origin, u.pathname + u.search, { headers, method });

describe('identity lives on the Hub hop only', () => {
  test('the 302 carries X-Linked-*/X-Repo-Commit, the CDN none of them, in every ETag mode', async () => {
    const head = await request(sim.url, WEIGHTS, { method: 'HEAD' });
    assert.match(String(head.headers['x-linked-etag']), /^"[0-9a-f]{64}"$/);
    assert.equal(head.headers['x-repo-commit'], sim.commitSha('acme/live'));
    for (const mode of ['stable', 'per-response', 'none'] as const) {
      sim.live.update({ cdnEtag: mode });
      const res = await get(await cdnUrl(), { Range: 'bytes=0-9' });
      assert.equal(res.status, 206, mode);
      for (const h of ['x-linked-etag', 'x-linked-size', 'x-repo-commit', 'x-xet-hash', 'link']) assert.equal(res.headers[h], undefined, `${mode}: ${h}`);
    }
  });
});

describe('CDN ETag modes', () => {
  test('stable (not the live CDN, which is the default): the sha256, and If-Range with it resumes', async () => {
    assert.equal(sim.live.get().cdnEtag, 'per-response', 'the default is the live CDN');
    sim.live.update({ cdnEtag: 'stable' });
    const u = await cdnUrl();
    const a = await get(u, { Range: 'bytes=0-0' });
    const sha = unquote(a.headers.etag);
    assert.equal(`"${sha}"`, (await request(sim.url, WEIGHTS, { method: 'HEAD' })).headers['x-linked-etag']);
    assert.equal((await get(u, { Range: 'bytes=10-', 'If-Range': `"${sha}"` })).status, 206);
  });

  test('per-response: a new ETag every time, so If-Range with an earlier one gets the whole file', async () => {
    sim.live.update({ cdnEtag: 'per-response' });
    const u = await cdnUrl();
    const a = await get(u, { Range: 'bytes=0-0' });
    const b = await get(u, { Range: 'bytes=0-0' });
    assert.ok(a.headers.etag && b.headers.etag);
    assert.notEqual(a.headers.etag, b.headers.etag);
    const resumed = await get(u, { Range: 'bytes=10-', 'If-Range': String(a.headers.etag) });
    assert.equal(resumed.status, 200);
    assert.equal(resumed.body.length, 3 * MiB);
    // a plain Range (what a downloader should send) still works
    const plain = await get(u, { Range: 'bytes=10-19' });
    assert.equal(plain.status, 206);
    assert.deepEqual(plain.body, (await sim.fileBytes('acme/live', 'main', 'weights.bin')).subarray(10, 20));
  });

  test('none: neither ETag nor Last-Modified; If-Range cannot match', async () => {
    sim.live.update({ cdnEtag: 'none' });
    const u = await cdnUrl();
    const res = await get(u, { Range: 'bytes=0-99' });
    assert.equal(res.status, 206);
    assert.equal(res.headers.etag, undefined);
    assert.equal(res.headers['last-modified'], undefined);
    const sha = unquote((await request(sim.url, WEIGHTS, { method: 'HEAD' })).headers['x-linked-etag']);
    assert.equal((await get(u, { Range: 'bytes=10-', 'If-Range': `"${sha}"` })).status, 200);
  });
});

describe('signed URLs', () => {
  test('default: X-Amz-Date/X-Amz-Expires=3600 and CloudFront Expires, with signatures', async () => {
    const q = (await cdnUrl()).searchParams;
    assert.match(q.get('X-Amz-Date') ?? '', /^\d{8}T\d{6}Z$/);
    assert.equal(q.get('X-Amz-Expires'), '3600');
    assert.match(q.get('X-Amz-Signature') ?? '', /^[0-9a-f]{64}$/);
    const expires = Number(q.get('Expires'));
    assert.ok(Math.abs(expires - (Date.now() / 1000 + 3600)) < 600, String(expires));
    assert.ok(q.get('Signature') && q.get('Key-Pair-Id'));
  });

  for (const style of ['amz', 'cloudfront'] as const) {
    test(`${style} only: serves while valid; a tampered signature, expiry or path is 403 AccessDenied`, async () => {
      sim.live.update({ signedUrls: style });
      const u = await cdnUrl();
      assert.equal(u.searchParams.has('X-Amz-Date'), style === 'amz');
      assert.equal(u.searchParams.has('Expires'), style === 'cloudfront');
      assert.equal((await get(u, { Range: 'bytes=0-0' })).status, 206);
      const sigKey = style === 'amz' ? 'X-Amz-Signature' : 'Signature';
      const expKey = style === 'amz' ? 'X-Amz-Expires' : 'Expires';
      for (const [k, v] of [
        [sigKey, 'f00d'],
        [expKey, '99999999999'],
        ['path', 'other.bin'],
      ]) {
        const bad = new URL(u);
        bad.searchParams.set(k ?? '', v ?? '');
        const res = await get(bad);
        assert.equal(res.status, 403, k);
        assert.equal(res.headers['content-type'], 'application/xml');
        assert.match(res.body.toString(), /<Error><Code>AccessDenied<\/Code><Message>Access Denied<\/Message>/);
      }
    });
  }

  test('a short TTL expires: 403 "Request has expired" on GET and HEAD, a fresh resolve works again', async () => {
    sim.live.update({ urlTtlSeconds: 1 });
    const u = await cdnUrl();
    assert.equal(u.searchParams.get('X-Amz-Expires'), '1');
    // polled, not slept: the URL works until its second is over, then never again
    const expired = await eventually(async () => {
      const r = await get(u, {}, 'HEAD');
      return r.status === 403 ? r : undefined;
    });
    assert.equal(expired.status, 403);
    const body = await get(u, { Range: 'bytes=0-0' });
    assert.equal(body.status, 403);
    assert.match(body.body.toString(), /<Code>AccessDenied<\/Code><Message>Request has expired<\/Message><Expires>/);
    sim.live.update({ urlTtlSeconds: 3600 });
    assert.equal((await get(await cdnUrl(), { Range: 'bytes=0-0' })).status, 206);
  });

  test('off: no signature parameters, the bare content address serves', async () => {
    sim.live.update({ signedUrls: 'off' });
    const u = await cdnUrl();
    assert.equal(u.searchParams.has('X-Amz-Signature') || u.searchParams.has('Signature'), false);
    const bare = await request(u.origin, u.pathname, { method: 'HEAD' });
    assert.equal(bare.status, 200);
    assert.equal(bare.headers['content-length'], String(3 * MiB));
    const missing = await request(u.origin, `/lfs/${'0'.repeat(64)}`);
    assert.equal(missing.status, 404);
    assert.match(missing.body.toString(), /<Code>NoSuchKey<\/Code>/);
  });
});

describe('size refusals', () => {
  test('a non-ranged GET over the threshold is 400; ranged GETs and HEAD still work', async () => {
    assert.equal(sim.live.get().maxPlainGetSize, 50e9);
    sim.live.update({ maxPlainGetSize: '2MiB' });
    const u = await cdnUrl();
    const plain = await get(u);
    assert.equal(plain.status, 400);
    assert.match(plain.body.toString(), /GET without Range of a file over/);
    assert.equal((await get(u, { Range: 'bytes=0-' })).status, 206);
    assert.equal((await get(u, {}, 'HEAD')).status, 200);
    const small = await cdnUrl('/acme/tiny-model/resolve/main/nested/deep/weights.bin');
    assert.equal((await get(small)).status, 200);
  });

  test('the bridge ceiling refuses a file ranged or not, with a message', async () => {
    assert.equal(sim.live.get().bridgeMaxSize, 200e9);
    sim.live.update({ bridgeMaxSize: 2 * MiB });
    const u = await cdnUrl();
    for (const headers of [{}, { Range: 'bytes=0-99' }] as Array<Record<string, string>>) {
      const res = await get(u, headers);
      assert.equal(res.status, 400);
      assert.match(res.body.toString(), /serves files up to .* need the Xet protocol/);
    }
  });
});

describe('gzip of small text files', () => {
  const VOCAB_PATH = '/acme/live/resolve/main/vocab.json';
  async function vocabTarget(): Promise<string> {
    const head = await request(sim.url, VOCAB_PATH, { method: 'HEAD' });
    assert.equal(head.status, 307);
    return String(head.headers.location);
  }

  test('Accept-Encoding: gzip → gzip, chunked, no Content-Length, Range ignored', async () => {
    const target = await vocabTarget();
    sim.stats.reset();
    const res = await request(sim.url, target, { headers: { 'Accept-Encoding': 'gzip, deflate', Range: 'bytes=10-19' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-encoding'], 'gzip');
    assert.equal(res.headers['transfer-encoding'], 'chunked');
    assert.equal(res.headers['content-length'], undefined);
    assert.equal(gunzipSync(res.body).toString(), VOCAB);
    assert.equal(sim.stats.requests.at(-1)?.encoding, 'gzip');
  });

  test('identity, files below 1,000 bytes, LFS files and gzip off are sent as they are', async () => {
    const target = await vocabTarget();
    const identity = await request(sim.url, target, { headers: { 'Accept-Encoding': 'identity', Range: 'bytes=10-19' } });
    assert.equal(identity.status, 206);
    assert.equal(identity.body.toString(), VOCAB.slice(10, 20));
    const refused = await request(sim.url, target, { headers: { 'Accept-Encoding': 'gzip;q=0, br' } });
    assert.equal(refused.headers['content-encoding'], undefined);
    const small = await request(sim.url, String((await request(sim.url, '/acme/live/resolve/main/small.txt', { method: 'HEAD' })).headers.location), {
      headers: { 'Accept-Encoding': 'gzip' },
    });
    assert.equal(small.headers['content-encoding'], undefined);
    assert.equal(small.body.toString(), 'tiny\n');
    const lfs = await get(await cdnUrl(), { 'Accept-Encoding': 'gzip' });
    assert.equal(lfs.headers['content-encoding'], undefined);
    assert.equal(sha256(lfs.body), unquote((await request(sim.url, WEIGHTS, { method: 'HEAD' })).headers['x-linked-etag']));
    sim.live.update({ gzip: false });
    const off = await request(sim.url, target, { headers: { 'Accept-Encoding': 'gzip' } });
    assert.equal(off.headers['content-encoding'], undefined);
    assert.equal(off.headers['content-length'], String(VOCAB.length));
  });
});
