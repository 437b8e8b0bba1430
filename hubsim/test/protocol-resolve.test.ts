// resolve / resolve-cache / raw / CDN over plain node:http: redirects, headers, Range, If-Range, errors.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startHubSim } from '../src/index.ts';
import type { HubSim } from '../src/index.ts';
import { ALICE, BOB, gitSha1, request, sha256, unquote } from './helpers.ts';

let sim: HubSim;
let base: string;

before(async () => {
  // the protocol as hf-hub-api.md describes it, with a CDN whose ETag is the content hash; the live
  // CDN's per-response ETag has its own tests (live-cdn.test.ts)
  sim = await startHubSim({ live: { cdnEtag: 'stable' } });
  base = sim.url;
});
after(() => sim.close());

function splitUrl(location: string): { origin: string; target: string } {
  const u = new URL(location, base);
  return { origin: u.origin, target: u.pathname + u.search };
}

describe('regular files: 307 to resolve-cache', () => {
  test('HEAD carries commit, etag and size; the relative target serves the bytes', async () => {
    const content = await sim.fileBytes('acme/tiny-model', 'main', 'config.json');
    const commit = sim.commitSha('acme/tiny-model');
    const head = await request(base, '/acme/tiny-model/resolve/main/config.json', { method: 'HEAD' });
    assert.equal(head.status, 307);
    const location = String(head.headers.location);
    assert.ok(location.startsWith(`/api/resolve-cache/models/acme/tiny-model/${commit}/config.json?`), location);
    assert.equal(head.headers['x-repo-commit'], commit);
    assert.equal(head.headers['x-linked-etag'], `"${gitSha1(content)}"`);
    assert.equal(head.headers.etag, `"${gitSha1(content)}"`);
    assert.equal(head.headers['x-linked-size'], String(content.length));
    assert.equal(head.body.length, 0);
    assert.equal(head.headers['x-xet-hash'], undefined);
    assert.equal(head.headers['content-type'], 'application/octet-stream');
    assert.equal(head.headers['accept-ranges'], 'bytes');
    assert.match(String(head.headers['content-disposition']), /filename="config\.json"/);

    for (const target of [location, location.slice(0, location.indexOf('?'))]) {
      const headTarget = await request(base, target, { method: 'HEAD' });
      assert.equal(headTarget.status, 200, target);
      assert.equal(headTarget.headers['content-length'], String(content.length));
      assert.equal(headTarget.headers['x-repo-commit'], commit);
      assert.equal(unquote(headTarget.headers.etag), gitSha1(content));
      const get = await request(base, target);
      assert.equal(get.status, 200);
      assert.deepEqual(get.body, content);
      assert.equal(get.headers['content-type'], 'application/octet-stream');
      assert.equal(get.headers['accept-ranges'], 'bytes');
      assert.match(String(get.headers['content-disposition']), /^inline; filename\*=UTF-8''config\.json; filename="config\.json";$/);
    }
  });

  test('encodings: revision %2F or raw refs/pr, slash branch, spaces, unicode, %2F in the path', async () => {
    const cases: Array<[string, string, string]> = [
      ['/acme/tiny-model/resolve/refs%2Fpr%2F1/pr-file.txt', 'refs/pr/1', 'pr-file.txt'],
      ['/acme/tiny-model/resolve/refs/pr/1/pr-file.txt', 'refs/pr/1', 'pr-file.txt'],
      ['/acme/tiny-model/resolve/feature%2Fx/feature-x.txt', 'feature/x', 'feature-x.txt'],
      ['/acme/tiny-model/resolve/main/with%20space/file%20name.txt', 'main', 'with space/file name.txt'],
      ['/acme/tiny-model/resolve/main/unicode/mod%C3%A8le-%C3%BC.txt', 'main', 'unicode/modèle-ü.txt'],
      ['/acme/tiny-model/resolve/main/nested%2Fnotes.txt', 'main', 'nested/notes.txt'],
      ['/acme/tiny-model/resolve/dev/config.json', 'dev', 'config.json'],
      ['/acme/tiny-model/resolve/v1.0/README.md', 'v1.0', 'README.md'],
    ];
    for (const [target, rev, path] of cases) {
      const content = await sim.fileBytes('acme/tiny-model', rev, path);
      const head = await request(base, target, { method: 'HEAD' });
      assert.equal(head.status, 307, target);
      assert.equal(head.headers['x-repo-commit'], sim.commitSha('acme/tiny-model', rev), target);
      const get = await request(base, String(head.headers.location));
      assert.equal(get.status, 200, target);
      assert.deepEqual(get.body, content, target);
    }
    const devConfig = await sim.fileBytes('acme/tiny-model', 'dev', 'config.json');
    const mainConfig = await sim.fileBytes('acme/tiny-model', 'main', 'config.json');
    assert.notDeepEqual(devConfig, mainConfig);
  });

  test('Content-Disposition of non-ASCII names stays a valid header', async () => {
    const head = await request(base, '/acme/tiny-model/resolve/main/unicode/mod%C3%A8le-%C3%BC.txt', { method: 'HEAD' });
    assert.match(String(head.headers['content-disposition']), /filename\*=UTF-8''mod%C3%A8le-%C3%BC\.txt; filename="mod_le-_\.txt";/);
  });
});

describe('LFS files: 302 to the CDN', () => {
  test('absolute Location on another hostname; CDN serves without auth', async () => {
    const files = await sim.expectedFiles('acme/tiny-model');
    const model = files.find((f) => f.path === 'model.safetensors');
    assert.ok(model?.sha256);
    const head = await request(base, '/acme/tiny-model/resolve/main/model.safetensors', { method: 'HEAD', headers: BOB });
    assert.equal(head.status, 302);
    const location = String(head.headers.location);
    assert.ok(location.startsWith(`${sim.cdnUrl}/lfs/${model.sha256}?`), location);
    assert.notEqual(new URL(location).hostname, new URL(base).hostname);
    assert.equal(head.headers['x-linked-etag'], `"${model.sha256}"`);
    assert.equal(head.headers['x-linked-size'], String(model.size));
    assert.equal(head.headers['x-repo-commit'], sim.commitSha('acme/tiny-model'));
    assert.notEqual(head.headers['content-length'], String(model.size));
    assert.equal(head.headers['content-type'], 'application/octet-stream');
    assert.equal(head.headers['accept-ranges'], 'bytes');
    assert.ok(head.headers['content-disposition']);
    assert.equal(head.headers['x-xet-hash'], undefined);
    assert.equal(head.headers.link, undefined);

    const { origin, target } = splitUrl(location);
    sim.stats.reset();
    const get = await request(origin, target);
    assert.equal(get.status, 200);
    assert.equal(get.body.length, model.size);
    assert.equal(sha256(get.body), model.sha256);
    assert.equal(unquote(get.headers.etag), model.sha256);
    // like the live CDN: identity headers only on the Hub's 302
    for (const h of ['x-linked-size', 'x-linked-etag', 'x-repo-commit', 'x-xet-hash']) assert.equal(get.headers[h], undefined, h);
    const rec = sim.stats.requests.find((r) => r.server === 'cdn');
    assert.equal(rec?.auth, false);
    assert.equal(rec?.bytes, model.size);
    assert.equal(rec?.status, 200);

    // the URL is signed: the bare content address is refused, like an unsigned S3/CloudFront URL
    const bare = await request(origin, `/lfs/${model.sha256}`);
    assert.equal(bare.status, 403);
    assert.match(bare.body.toString(), /<Code>AccessDenied<\/Code>/);
    const missing = new URL(location);
    missing.pathname = `/lfs/${'0'.repeat(64)}`;
    assert.equal((await request(origin, missing.pathname + missing.search)).status, 403, 'the signature covers the path');
  });

  test('GET on resolve follows to the same bytes; nested LFS file', async () => {
    const content = await sim.fileBytes('acme/tiny-model', 'main', 'nested/deep/weights.bin');
    const res = await request(base, '/acme/tiny-model/resolve/main/nested/deep/weights.bin');
    assert.equal(res.status, 302);
    const { origin, target } = splitUrl(String(res.headers.location));
    const get = await request(origin, target);
    assert.deepEqual(get.body, content);
  });
});

describe('direct 200s: empty files, private and gated repos', () => {
  test('0-byte file', async () => {
    const head = await request(base, '/acme/tiny-model/resolve/main/empty.txt', { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], '0');
    assert.equal(unquote(head.headers.etag), 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391');
    assert.equal(head.headers['x-repo-commit'], sim.commitSha('acme/tiny-model'));
    const get = await request(base, '/acme/tiny-model/resolve/main/empty.txt');
    assert.equal(get.status, 200);
    assert.equal(get.body.length, 0);
    const ranged = await request(base, '/acme/tiny-model/resolve/main/empty.txt', { headers: { Range: 'bytes=0-' } });
    assert.equal(ranged.status, 416);
    assert.equal(ranged.headers['content-range'], 'bytes */0');
  });

  test('private LFS file with the owner token: 200 with real Content-Length and sha256 ETag', async () => {
    const files = await sim.expectedFiles('acme/private-model');
    const model = files.find((f) => f.path === 'model.safetensors');
    const head = await request(base, '/acme/private-model/resolve/main/model.safetensors', { method: 'HEAD', headers: ALICE });
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], String(model?.size));
    assert.equal(unquote(head.headers.etag), model?.sha256);
    assert.equal(unquote(head.headers['x-linked-etag']), model?.sha256);
    const get = await request(base, '/acme/private-model/resolve/main/model.safetensors', { headers: ALICE });
    assert.equal(sha256(get.body), model?.sha256);
  });

  test('gated repo with an approved token', async () => {
    const res = await request(base, '/acme/gated-model/resolve/main/config.json', { headers: ALICE });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, await sim.fileBytes('acme/gated-model', 'main', 'config.json'));
  });
});

describe('Range and If-Range', () => {
  async function cdnTarget(): Promise<{ origin: string; target: string; content: Buffer; etag: string }> {
    const head = await request(base, '/acme/tiny-model/resolve/main/model.safetensors', { method: 'HEAD' });
    const content = await sim.fileBytes('acme/tiny-model', 'main', 'model.safetensors');
    return { ...splitUrl(String(head.headers.location)), content, etag: unquote(head.headers['x-linked-etag']) };
  }

  test('bytes=a-b, a-, -k, 0-0 on the CDN and on direct downloads', async () => {
    const cdn = await cdnTarget();
    const privateContent = await sim.fileBytes('acme/private-model', 'main', 'model.safetensors');
    const targets = [
      { origin: cdn.origin, target: cdn.target, content: cdn.content, headers: {} },
      { origin: base, target: '/acme/private-model/resolve/main/model.safetensors', content: privateContent, headers: ALICE },
    ];
    for (const t of targets) {
      const size = t.content.length;
      const cases: Array<[string, number, number]> = [
        ['bytes=0-0', 0, 0],
        ['bytes=17-33', 17, 33],
        ['bytes=1000-', 1000, size - 1],
        ['bytes=-10', size - 10, size - 1],
        [`bytes=${size - 1}-${size + 100}`, size - 1, size - 1],
      ];
      for (const [range, start, end] of cases) {
        const res = await request(t.origin, t.target, { headers: { ...t.headers, Range: range } });
        assert.equal(res.status, 206, range);
        assert.equal(res.headers['content-range'], `bytes ${start}-${end}/${size}`, range);
        assert.equal(res.headers['content-length'], String(end - start + 1), range);
        assert.deepEqual(res.body, t.content.subarray(start, end + 1), range);
      }
      const unsat = await request(t.origin, t.target, { headers: { ...t.headers, Range: `bytes=${size}-` } });
      assert.equal(unsat.status, 416);
      assert.equal(unsat.headers['content-range'], `bytes */${size}`);
      const ignored = await request(t.origin, t.target, { headers: { ...t.headers, Range: 'bytes=9-3' } });
      assert.equal(ignored.status, 200);
      assert.equal(ignored.body.length, size);
      const headRange = await request(t.origin, t.target, { method: 'HEAD', headers: { ...t.headers, Range: 'bytes=0-0' } });
      assert.equal(headRange.status, 206);
      assert.equal(headRange.body.length, 0);
    }
  });

  test('If-Range: matching ETag → 206, stale ETag → full 200', async () => {
    const cdn = await cdnTarget();
    const match = await request(cdn.origin, cdn.target, { headers: { Range: 'bytes=100-', 'If-Range': `"${cdn.etag}"` } });
    assert.equal(match.status, 206);
    assert.deepEqual(match.body, cdn.content.subarray(100));
    const stale = await request(cdn.origin, cdn.target, { headers: { Range: 'bytes=100-', 'If-Range': `"${'f'.repeat(64)}"` } });
    assert.equal(stale.status, 200);
    assert.deepEqual(stale.body, cdn.content);
    const content = await sim.fileBytes('acme/tiny-model', 'main', 'README.md');
    const head = await request(base, '/acme/tiny-model/resolve/main/README.md', { method: 'HEAD' });
    const target = String(head.headers.location);
    const regular = await request(base, target, { headers: { Range: 'bytes=5-', 'If-Range': String(head.headers['x-linked-etag']) } });
    assert.equal(regular.status, 206);
    assert.deepEqual(regular.body, content.subarray(5));
  });
});

describe('raw', () => {
  test('LFS pointer with the tree oid as ETag; regular file content', async () => {
    const files = await sim.expectedFiles('acme/tiny-model');
    const model = files.find((f) => f.path === 'model.safetensors');
    const res = await request(base, '/acme/tiny-model/raw/main/model.safetensors');
    assert.equal(res.status, 200);
    const pointer = res.body.toString();
    assert.equal(pointer, `version https://git-lfs.github.com/spec/v1\noid sha256:${model?.sha256}\nsize ${model?.size}\n`);
    assert.equal(unquote(res.headers.etag), model?.oid);
    assert.equal(gitSha1(res.body), model?.oid);
    const head = await request(base, '/acme/tiny-model/raw/main/model.safetensors', { method: 'HEAD' });
    assert.equal(head.headers['content-length'], String(res.body.length));
    const readme = await request(base, '/acme/tiny-model/raw/main/README.md');
    assert.deepEqual(readme.body, await sim.fileBytes('acme/tiny-model', 'main', 'README.md'));
    const missing = await request(base, '/acme/tiny-model/raw/main/nope.txt', { method: 'HEAD' });
    assert.equal(missing.status, 404);
    assert.equal(missing.headers['x-error-code'], 'EntryNotFound');
  });
});

describe('datasets', () => {
  test('resolve under /datasets/', async () => {
    const head = await request(base, '/datasets/acme/tiny-dataset/resolve/main/data/train.csv', { method: 'HEAD' });
    assert.equal(head.status, 307);
    assert.ok(String(head.headers.location).startsWith('/api/resolve-cache/datasets/acme/tiny-dataset/'));
    const get = await request(base, String(head.headers.location));
    assert.deepEqual(get.body, await sim.fileBytes('datasets/acme/tiny-dataset', 'main', 'data/train.csv'));
    const lfs = await request(base, '/datasets/acme/tiny-dataset/resolve/main/data/train.parquet', { method: 'HEAD' });
    assert.equal(lfs.status, 302);
    assert.ok(String(lfs.headers.location).includes('repo=datasets%2Facme%2Ftiny-dataset'));
  });
});

describe('status matrix on resolve (HEAD: headers only; GET: JSON body too)', () => {
  const GATED_401 = 'Access to model acme/gated-model is restricted. You must have access to it and be authenticated to access it. Please log in.';
  const cases: Array<{
    name: string;
    path: string;
    headers: Record<string, string>;
    status: number;
    code?: string;
    message?: string | RegExp;
    commit?: boolean;
  }> = [
    { name: 'private, no token', path: '/acme/private-model/resolve/main/config.json', headers: {}, status: 401, message: 'Invalid username or password.' },
    { name: 'private, no access', path: '/acme/private-model/resolve/main/config.json', headers: BOB, status: 404, code: 'RepoNotFound' },
    { name: 'missing repo, no token', path: '/acme/nope/resolve/main/config.json', headers: {}, status: 401, message: 'Invalid username or password.' },
    { name: 'missing repo, token', path: '/acme/nope/resolve/main/config.json', headers: ALICE, status: 404, code: 'RepoNotFound' },
    {
      name: 'invalid token',
      path: '/acme/tiny-model/resolve/main/config.json',
      headers: { Authorization: 'Bearer hf_invalid' },
      status: 401,
      message: 'Invalid credentials in Authorization header',
    },
    { name: 'gated, no token', path: '/acme/gated-model/resolve/main/config.json', headers: {}, status: 401, code: 'GatedRepo', message: GATED_401 },
    {
      name: 'gated, not approved',
      path: '/acme/gated-model/resolve/main/model.safetensors',
      headers: BOB,
      status: 403,
      code: 'GatedRepo',
      message:
        /^Access to model acme\/gated-model is restricted and you are not in the authorized list\. Visit http:\/\/localhost:\d+\/acme\/gated-model to ask for access\.$/,
    },
    { name: 'gated raw, not approved', path: '/acme/gated-model/raw/main/config.json', headers: BOB, status: 403, code: 'GatedRepo' },
    {
      name: 'unknown revision',
      path: '/acme/tiny-model/resolve/nope/config.json',
      headers: {},
      status: 404,
      code: 'RevisionNotFound',
      message: 'Invalid rev id: nope',
    },
    {
      name: 'unknown file',
      path: '/acme/tiny-model/resolve/main/nope.txt',
      headers: {},
      status: 404,
      code: 'EntryNotFound',
      message: 'Entry not found',
      commit: true,
    },
    { name: 'file missing at revision', path: '/acme/tiny-model/resolve/v1.0/nested/notes.txt', headers: {}, status: 404, code: 'EntryNotFound', commit: true },
  ];
  for (const c of cases) {
    for (const method of ['HEAD', 'GET']) {
      test(`${c.name} (${method})`, async () => {
        const res = await request(base, c.path, { method, headers: c.headers });
        assert.equal(res.status, c.status);
        assert.equal(res.headers['x-error-code'], c.code);
        const message = String(res.headers['x-error-message']);
        if (typeof c.message === 'string') assert.equal(message, c.message);
        else if (c.message) assert.match(message, c.message);
        if (c.commit) assert.match(String(res.headers['x-repo-commit']), /^[0-9a-f]{40}$/);
        if (method === 'HEAD') assert.equal(res.body.length, 0);
        else assert.deepEqual(JSON.parse(res.body.toString()), { error: message });
      });
    }
  }
});
