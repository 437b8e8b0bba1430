// /api/* endpoints over plain node:http: repo info, refs, tree (+ pagination), paths-info, errors.
import assert from 'node:assert/strict';
import { networkInterfaces } from 'node:os';
import { after, before, describe, test } from 'node:test';
import { startHubSim } from '../src/index.ts';
import type { HubSim } from '../src/index.ts';
import { ALICE, BOB, getJson, listTree, parseLink, request } from './helpers.ts';
import type { TreeEntry } from './helpers.ts';

const TINY_MAIN_FILES = [
  '.gitattributes',
  'README.md',
  'config.json',
  'empty.txt',
  'model.safetensors',
  'nested/deep/weights.bin',
  'nested/notes.txt',
  'unicode/modèle-ü.txt',
  'with space/file name.txt',
].sort();

type Info = {
  _id: string;
  id: string;
  author: string;
  sha: string;
  lastModified: string;
  createdAt: string;
  private: boolean;
  gated: false | string;
  disabled: boolean;
  tags: string[];
  downloads: number;
  likes: number;
  siblings: Array<{ rfilename: string; blobId?: string; size?: number; lfs?: { sha256: string; size: number; pointerSize: number } }>;
};
type Ref = { name: string; ref: string; targetCommit: string };
type Refs = { branches: Ref[]; converts: Ref[]; tags: Ref[]; pullRequests?: Ref[] };

let sim: HubSim;
let base: string;

before(async () => {
  sim = await startHubSim();
  base = sim.url;
});
after(() => sim.close());

const files = (entries: TreeEntry[]) =>
  entries
    .filter((e) => e.type === 'file')
    .map((e) => e.path)
    .sort();

describe('repo info', () => {
  test('fields and siblings', async () => {
    const { status, json } = await getJson<Info>(base, '/api/models/acme/tiny-model');
    assert.equal(status, 200);
    assert.match(json._id, /^[0-9a-f]{24}$/);
    assert.equal(json.id, 'acme/tiny-model');
    assert.equal(json.author, 'acme');
    assert.match(json.sha, /^[0-9a-f]{40}$/);
    assert.equal(json.sha, sim.commitSha('acme/tiny-model', 'main'));
    assert.match(json.lastModified, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.match(json.createdAt, /Z$/);
    assert.equal(json.private, false);
    assert.equal(json.gated, false);
    assert.equal(json.disabled, false);
    assert.ok(Array.isArray(json.tags));
    assert.equal(typeof json.downloads, 'number');
    assert.equal(typeof json.likes, 'number');
    assert.deepEqual(json.siblings.map((s) => s.rfilename).sort(), TINY_MAIN_FILES);
    assert.ok(json.siblings.every((s) => Object.keys(s).length === 1));
  });

  test('blobs=true adds blobId, size and lfs.sha256', async () => {
    const { json } = await getJson<Info>(base, '/api/models/acme/tiny-model?blobs=true&securityStatus=true');
    const expected = await sim.expectedFiles('acme/tiny-model');
    for (const f of expected) {
      const s = json.siblings.find((x) => x.rfilename === f.path);
      assert.ok(s, f.path);
      assert.equal(s.blobId, f.oid);
      assert.equal(s.size, f.size);
      if (f.lfs) assert.deepEqual(s.lfs, { sha256: f.sha256, size: f.size, pointerSize: s.lfs?.pointerSize });
      else assert.equal(s.lfs, undefined);
    }
  });

  test('revision forms: branch, %2F and raw refs/pr, slash branch, HEAD, full and short sha, tag', async () => {
    const sha = (rev: string) => sim.commitSha('acme/tiny-model', rev);
    const cases: Array<[string, string]> = [
      ['/revision/main', sha('main')],
      ['/revision/dev', sha('dev')],
      ['/revision/refs%2Fpr%2F1', sha('refs/pr/1')],
      ['/revision/refs/pr/1', sha('refs/pr/1')],
      ['/revision/feature%2Fx', sha('feature/x')],
      ['/revision/HEAD', sha('main')],
      [`/revision/${sha('dev')}`, sha('dev')],
      [`/revision/${sha('dev').slice(0, 7)}`, sha('dev')],
      ['/revision/v1.0', sha('v1.0')],
    ];
    assert.equal(new Set(cases.map((c) => c[1])).size, 5);
    for (const [suffix, want] of cases) {
      const { status, json } = await getJson<Info>(base, `/api/models/acme/tiny-model${suffix}`);
      assert.equal(status, 200, suffix);
      assert.equal(json.sha, want, suffix);
    }
    const v1 = await getJson<Info>(base, '/api/models/acme/tiny-model/revision/v1.0');
    assert.ok(!v1.json.siblings.some((s) => s.rfilename.startsWith('nested/')));
    const pr = await getJson<Info>(base, '/api/models/acme/tiny-model/revision/refs%2Fpr%2F1');
    assert.ok(pr.json.siblings.some((s) => s.rfilename === 'pr-file.txt'));
  });

  test('expand params (JS and bracket syntax) are accepted', async () => {
    for (const q of ['?expand[]=likes', '?expand=pipeline_tag&expand=private&expand=sha', '?expand%5B%5D=likes']) {
      const { status, json } = await getJson<Info>(base, `/api/models/acme/tiny-model/revision/HEAD${q}`);
      assert.equal(status, 200, q);
      assert.match(json.sha, /^[0-9a-f]{40}$/);
    }
  });

  test('unknown revision → 404 RevisionNotFound', async () => {
    const res = await request(base, '/api/models/acme/tiny-model/revision/nope');
    assert.equal(res.status, 404);
    assert.equal(res.headers['x-error-code'], 'RevisionNotFound');
    assert.equal(res.headers['x-error-message'], 'Invalid rev id: nope');
    assert.deepEqual(JSON.parse(res.body.toString()), { error: 'Invalid rev id: nope' });
  });

  test('dataset repos use the datasets prefix', async () => {
    const { status, json } = await getJson<Info>(base, '/api/datasets/acme/tiny-dataset');
    assert.equal(status, 200);
    assert.equal(json.id, 'acme/tiny-dataset');
    const asModel = await request(base, '/api/models/acme/tiny-dataset', { headers: BOB });
    assert.equal(asModel.status, 404);
  });
});

describe('refs', () => {
  test('branches, converts and tags always present; PRs on request', async () => {
    const { status, json } = await getJson<Refs>(base, '/api/models/acme/tiny-model/refs');
    assert.equal(status, 200);
    assert.deepEqual(Object.keys(json).sort(), ['branches', 'converts', 'tags']);
    const branches = Object.fromEntries(json.branches.map((b) => [b.name, b]));
    assert.deepEqual(Object.keys(branches).sort(), ['dev', 'feature/x', 'main']);
    assert.equal(branches['feature/x']?.ref, 'refs/heads/feature/x');
    assert.equal(branches.main?.targetCommit, sim.commitSha('acme/tiny-model'));
    assert.deepEqual(json.converts, []);
    assert.deepEqual(json.tags, [{ name: 'v1.0', ref: 'refs/tags/v1.0', targetCommit: sim.commitSha('acme/tiny-model', 'v1.0') }]);

    const withPrs = await getJson<Refs>(base, '/api/models/acme/tiny-model/refs?include_prs=1');
    assert.deepEqual(withPrs.json.pullRequests, [{ name: '1', ref: 'refs/pr/1', targetCommit: sim.commitSha('acme/tiny-model', 'refs/pr/1') }]);
    const empty = await getJson<Refs>(base, '/api/models/acme/many-files/refs');
    assert.deepEqual(empty.json.tags, []);
  });
});

describe('tree', () => {
  test('root listing: direct children, files and directories, exact entry shapes', async () => {
    const { status, json } = await getJson<TreeEntry[]>(base, '/api/models/acme/tiny-model/tree/main');
    assert.equal(status, 200);
    const dirs = json
      .filter((e) => e.type === 'directory')
      .map((e) => e.path)
      .sort();
    assert.deepEqual(dirs, ['nested', 'unicode', 'with space']);
    assert.deepEqual(files(json), ['.gitattributes', 'README.md', 'config.json', 'empty.txt', 'model.safetensors']);
    for (const e of json) {
      assert.equal(e.xetHash, undefined);
      assert.match(e.oid, /^[0-9a-f]{40}$/);
      if (e.type === 'directory') assert.deepEqual(Object.keys(e), ['type', 'oid', 'size', 'path']);
      if (e.type === 'directory') assert.equal(e.size, 0);
    }
    const model = json.find((e) => e.path === 'model.safetensors');
    assert.deepEqual(Object.keys(model ?? {}), ['type', 'oid', 'size', 'path', 'lfs']);
    assert.deepEqual(Object.keys(model?.lfs ?? {}), ['oid', 'size', 'pointerSize']);
    assert.equal(model?.size, model?.lfs?.size);
    const config = json.find((e) => e.path === 'config.json');
    assert.deepEqual(Object.keys(config ?? {}), ['type', 'oid', 'size', 'path']);
  });

  test('recursive listing includes directory entries and matches the expected files', async () => {
    const expected = await sim.expectedFiles('acme/tiny-model');
    for (const flag of ['true', 'True', '1']) {
      const { json } = await getJson<TreeEntry[]>(base, `/api/models/acme/tiny-model/tree/main?recursive=${flag}&expand=false`);
      assert.deepEqual(files(json), TINY_MAIN_FILES, flag);
      assert.ok(
        json.some((e) => e.type === 'directory' && e.path === 'nested/deep'),
        flag,
      );
      for (const f of expected) {
        const e = json.find((x) => x.path === f.path);
        assert.equal(e?.oid, f.oid, f.path);
        assert.equal(e?.size, f.size, f.path);
        assert.equal(e?.lfs?.oid, f.sha256, f.path);
      }
    }
    const flat = await getJson<TreeEntry[]>(base, '/api/models/acme/tiny-model/tree/main?recursive=false');
    assert.ok(!flat.json.some((e) => e.path.includes('/')));
    const zero = await getJson<TreeEntry[]>(base, '/api/models/acme/tiny-model/tree/main?recursive=0');
    assert.deepEqual(zero.json, flat.json);
  });

  test('sub-paths: %2F-encoded or literal, paths stay relative to the repo root', async () => {
    const nested = await getJson<TreeEntry[]>(base, '/api/models/acme/tiny-model/tree/main/nested');
    assert.deepEqual(nested.json.map((e) => e.path).sort(), ['nested/deep', 'nested/notes.txt']);
    const a = await getJson<TreeEntry[]>(base, '/api/models/acme/tiny-model/tree/main/nested%2Fdeep');
    const b = await getJson<TreeEntry[]>(base, '/api/models/acme/tiny-model/tree/main/nested/deep');
    assert.deepEqual(
      a.json.map((e) => e.path),
      ['nested/deep/weights.bin'],
    );
    assert.deepEqual(b.json, a.json);
    const spaced = await getJson<TreeEntry[]>(base, '/api/models/acme/tiny-model/tree/main/with%20space');
    assert.deepEqual(
      spaced.json.map((e) => e.path),
      ['with space/file name.txt'],
    );
    const rec = await getJson<TreeEntry[]>(base, '/api/models/acme/tiny-model/tree/main/nested?recursive=true');
    assert.deepEqual(rec.json.map((e) => e.path).sort(), ['nested/deep', 'nested/deep/weights.bin', 'nested/notes.txt']);
  });

  test('revisions: %2F-encoded and raw refs/pr/N, slash branch, tag, sha', async () => {
    for (const rev of ['refs%2Fpr%2F1', 'refs/pr/1']) {
      const { status, json } = await getJson<TreeEntry[]>(base, `/api/models/acme/tiny-model/tree/${rev}?recursive=true`);
      assert.equal(status, 200, rev);
      assert.ok(files(json).includes('pr-file.txt'), rev);
    }
    const pyStyle = await getJson<TreeEntry[]>(base, '/api/models/acme/tiny-model/tree/refs%2Fpr%2F1/nested%2Fdeep');
    assert.deepEqual(
      pyStyle.json.map((e) => e.path),
      ['nested/deep/weights.bin'],
    );
    const jsStyle = await getJson<TreeEntry[]>(base, '/api/models/acme/tiny-model/tree/refs/pr/1/nested/deep');
    assert.deepEqual(jsStyle.json, pyStyle.json);
    const feature = await getJson<TreeEntry[]>(base, '/api/models/acme/tiny-model/tree/feature%2Fx');
    assert.ok(files(feature.json).includes('feature-x.txt'));
    const tag = await getJson<TreeEntry[]>(base, '/api/models/acme/tiny-model/tree/v1.0?recursive=true');
    assert.ok(!tag.json.some((e) => e.path.startsWith('nested')));
    const dev = await getJson<TreeEntry[]>(base, `/api/models/acme/tiny-model/tree/${sim.commitSha('acme/tiny-model', 'dev')}`);
    assert.ok(files(dev.json).includes('dev-only.txt'));
  });

  test('unknown path → 404 EntryNotFound, unknown revision → 404 RevisionNotFound', async () => {
    const missing = await request(base, '/api/models/acme/tiny-model/tree/main/nope');
    assert.equal(missing.status, 404);
    assert.equal(missing.headers['x-error-code'], 'EntryNotFound');
    const badRev = await request(base, '/api/models/acme/tiny-model/tree/nope');
    assert.equal(badRev.status, 404);
    assert.equal(badRev.headers['x-error-code'], 'RevisionNotFound');
    // a branch with a slash must be encoded: raw, "feature" is taken as the revision
    const raw = await request(base, '/api/models/acme/tiny-model/tree/feature/x');
    assert.equal(raw.headers['x-error-code'], 'RevisionNotFound');
  });

  test('expand=true adds lastCommit and securityFileStatus', async () => {
    const { json } = await getJson<TreeEntry[]>(base, '/api/models/acme/tiny-model/tree/dev?expand=true&recursive=true');
    const dev = sim.commitSha('acme/tiny-model', 'dev');
    const main = sim.commitSha('acme/tiny-model', 'main');
    const v1 = sim.commitSha('acme/tiny-model', 'v1.0');
    const byPath = Object.fromEntries(json.map((e) => [e.path, e]));
    assert.equal(byPath['config.json']?.lastCommit?.id, dev);
    assert.equal(byPath['nested/notes.txt']?.lastCommit?.id, main);
    assert.equal(byPath['README.md']?.lastCommit?.id, v1);
    assert.equal(byPath.nested?.lastCommit?.id, main);
    assert.match(byPath['README.md']?.lastCommit?.date ?? '', /Z$/);
    const sec = byPath['model.safetensors']?.securityFileStatus;
    assert.ok(sec && 'status' in sec && 'avScan' in sec && 'pickleImportScan' in sec);
  });
});

describe('pagination', () => {
  test('acme/many-files: all 5,000 files + directories across absolute Link pages', async () => {
    const { entries, pages, links } = await listTree(base, '/api/models/acme/many-files/tree/main?recursive=true&expand=false');
    const fileCount = entries.filter((e) => e.type === 'file').length;
    const dirs = entries.filter((e) => e.type === 'directory');
    assert.equal(fileCount, 5002);
    assert.equal(dirs.length, 1 + 5 + 50);
    assert.equal(new Set(entries.map((e) => e.path)).size, entries.length, 'no duplicates across pages');
    assert.equal(pages, Math.ceil(entries.length / 1000));
    for (const link of links) {
      assert.match(link, /^<http:\/\/localhost:\d+\/api\/models\/acme\/many-files\/tree\/main\?[^>]*cursor=[^>]+>; rel="next"$/);
      assert.ok(parseLink(link).next?.startsWith(base));
    }
    assert.ok(entries.some((e) => e.path === 'data/4/9/item-4999.txt'));
  });

  test('expand=true pages hold 50 entries', async () => {
    const first = await getJson<TreeEntry[]>(base, '/api/models/acme/many-files/tree/main/data%2F0%2F0?expand=true');
    assert.equal(first.json.length, 50);
    assert.ok(first.json[0]?.lastCommit);
    const all = await listTree(base, '/api/models/acme/many-files/tree/main/data%2F0%2F0?expand=true');
    assert.equal(all.pages, 2);
    assert.equal(all.entries.length, 100);
  });

  test('pageSize option and a sub-path listing with a literal path', async () => {
    const small = await startHubSim({ pageSize: 3 });
    try {
      const { entries, pages } = await listTree(small.url, '/api/models/acme/tiny-model/tree/main?recursive=true');
      assert.deepEqual(files(entries), TINY_MAIN_FILES);
      assert.equal(pages, Math.ceil(entries.length / 3));
      const nested = await listTree(small.url, '/api/models/acme/tiny-model/tree/refs/pr/1/nested?recursive=1');
      assert.equal(nested.entries.length, 3);
      assert.equal(nested.pages, 1);
    } finally {
      await small.close();
    }
  });

  test('a bad cursor is a 400', async () => {
    const res = await request(base, '/api/models/acme/many-files/tree/main?cursor=garbage');
    assert.equal(res.status, 400);
  });
});

describe('paths-info', () => {
  test('form body (Python) with files, directories and missing paths', async () => {
    const res = await request(base, '/api/models/acme/tiny-model/paths-info/main', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'paths=config.json&paths=nested&paths=missing.txt&paths=with+space%2Ffile+name.txt&expand=false',
    });
    assert.equal(res.status, 200);
    const json = JSON.parse(res.body.toString()) as TreeEntry[];
    assert.deepEqual(
      json.map((e) => [e.type, e.path]),
      [
        ['file', 'config.json'],
        ['directory', 'nested'],
        ['file', 'with space/file name.txt'],
      ],
    );
    assert.equal(json[0]?.lastCommit, undefined);
  });

  test('JSON body (JS) with expand, encoded revision', async () => {
    const res = await request(base, '/api/models/acme/tiny-model/paths-info/refs%2Fpr%2F1', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ paths: ['model.safetensors', 'pr-file.txt'], expand: true }),
    });
    const json = JSON.parse(res.body.toString()) as TreeEntry[];
    assert.equal(json.length, 2);
    assert.match(json[0]?.lfs?.oid ?? '', /^[0-9a-f]{64}$/);
    assert.equal(json[1]?.lastCommit?.id, sim.commitSha('acme/tiny-model', 'refs/pr/1'));
    assert.ok(json[1]?.securityFileStatus);
  });
});

describe('auth and visibility matrix (API)', () => {
  const cases: Array<{ name: string; path: string; headers: Record<string, string>; status: number; code?: string; message?: string }> = [
    { name: 'private, no token', path: '/api/models/acme/private-model', headers: {}, status: 401, message: 'Invalid username or password.' },
    { name: 'private, token without access', path: '/api/models/acme/private-model', headers: BOB, status: 404, code: 'RepoNotFound' },
    { name: 'private, owner', path: '/api/models/acme/private-model', headers: ALICE, status: 200 },
    { name: 'private tree, owner', path: '/api/models/acme/private-model/tree/main', headers: ALICE, status: 200 },
    { name: 'private tree, no token', path: '/api/models/acme/private-model/tree/main', headers: {}, status: 401 },
    { name: 'missing, no token', path: '/api/models/acme/nope', headers: {}, status: 401, message: 'Invalid username or password.' },
    { name: 'missing, token', path: '/api/models/acme/nope', headers: BOB, status: 404, code: 'RepoNotFound' },
    { name: 'missing refs, token', path: '/api/models/acme/nope/refs', headers: BOB, status: 404, code: 'RepoNotFound' },
    {
      name: 'invalid token',
      path: '/api/models/acme/tiny-model',
      headers: { Authorization: 'Bearer hf_nobody' },
      status: 401,
      message: 'Invalid credentials in Authorization header',
    },
    { name: 'gated metadata is public', path: '/api/models/acme/gated-model', headers: {}, status: 200 },
    { name: 'gated tree is public', path: '/api/models/acme/gated-model/tree/main', headers: BOB, status: 200 },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const res = await request(base, c.path, { headers: c.headers });
      assert.equal(res.status, c.status);
      assert.equal(res.headers['x-error-code'], c.code);
      if (c.message) {
        assert.equal(res.headers['x-error-message'], c.message);
        assert.deepEqual(JSON.parse(res.body.toString()), { error: c.message });
      }
      if (c.status >= 400) assert.match(String(res.headers['content-type']), /^application\/json/);
    });
  }

  test('private and gated flags in metadata', async () => {
    const priv = await getJson<Info>(base, '/api/models/acme/private-model', ALICE);
    assert.equal(priv.json.private, true);
    const gated = await getJson<Info>(base, '/api/models/acme/gated-model');
    assert.equal(gated.json.gated, 'manual');
  });
});

test('agent-harnesses and unknown routes', async () => {
  const { status, json } = await getJson(base, '/api/agent-harnesses');
  assert.equal(status, 200);
  assert.deepEqual(json, { standardEnvVars: [], harnesses: {} });
  assert.equal((await request(base, '/api/whatever')).status, 404);
  assert.equal((await request(base, '/acme/tiny-model/blob/main/README.md')).status, 404);
});

test('the hub answers on 127.0.0.1 and ::1 (whatever "localhost" resolves to); the CDN on 127.0.0.1', async () => {
  const port = new URL(base).port;
  assert.equal(new URL(base).hostname, 'localhost');
  assert.equal((await request(`http://127.0.0.1:${port}`, '/api/models/acme/tiny-model')).status, 200);
  const hasV6Loopback = Object.values(networkInterfaces()).some((list) => list?.some((i) => i.address === '::1'));
  if (hasV6Loopback) assert.equal((await request(`http://[::1]:${port}`, '/api/models/acme/tiny-model')).status, 200);
  assert.equal(new URL(sim.cdnUrl).hostname, '127.0.0.1');
  assert.notEqual(new URL(sim.cdnUrl).port, port);
});
