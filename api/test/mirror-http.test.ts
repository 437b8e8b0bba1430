// The mirror's protocol over plain HTTP: tokens, errors with the Hub's codes, ranges and ETags, and no
// way out of the revision folders through any part of a request.
import assert from 'node:assert/strict';
import { readFile, rename, symlink, writeFile, mkdir, cp, rm } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MirrorRefsSchema, MirrorRepoInfoSchema, MirrorTreeEntrySchema } from '@d011dl/contract';
import { bearer } from './helpers/app.ts';
import { adminQuery } from './helpers/db.ts';
import { startMirrorEnv, upstream, type MirrorEnv } from './helpers/mirror.ts';

interface Raw {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A request with the path exactly as written (fetch would resolve "..", which is what is tested here). */
function raw(base: string, method: string, rawPath: string, headers: Record<string, string> = {}, body?: string): Promise<Raw> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, method, path: rawPath, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('mirror over HTTP', () => {
  let e: MirrorEnv;
  let token: string;
  let main: string;
  const get = (p: string, h: Record<string, string> = {}) => raw(e.api, 'GET', `/mirror${p}`, { authorization: `Bearer ${token}`, ...h });
  const head = (p: string, h: Record<string, string> = {}) => raw(e.api, 'HEAD', `/mirror${p}`, { authorization: `Bearer ${token}`, ...h });
  const sql = (q: string, params: unknown[] = []) => adminQuery(q, params, String(e.t.config.pg?.database));
  const revDir = () => path.join(e.t.config.storageRoot, 'acme', 'tiny-model', 'main');

  before(async () => {
    e = await startMirrorEnv();
    await e.download('acme', 'tiny-model', 'main');
    token = await e.createToken('mirror:read');
    main = e.sim.commitSha('acme/tiny-model', 'main');
    e.sim.stats.reset();
  });
  after(() => e.close());

  it('tokens: shown once, stored hashed, listed without the secret, revoked at once', async () => {
    const created = await e.t.app.inject({
      method: 'POST',
      url: '/auth/tokens',
      payload: { name: 'laptop', scope: 'mirror:read' },
      headers: bearer(e.session),
    });
    assert.equal(created.statusCode, 201);
    const { id, token: secret } = created.json();
    assert.match(secret, /^hf_d011dl[0-9a-f]{64}$/);
    const list = await e.t.app.inject({ url: '/auth/tokens', headers: bearer(e.session) });
    assert.ok(list.json().tokens.some((x: { id: string }) => x.id === id));
    assert.ok(!list.body.includes(secret), 'the list never holds a token');
    const stored = await sql('SELECT token_hash FROM access_tokens WHERE id = $1', [id]);
    assert.match(stored.rows[0].token_hash, /^[0-9a-f]{64}$/);
    assert.ok(!JSON.stringify(stored.rows).includes(secret.slice(10)));
    assert.equal((await get('/api/models/acme/tiny-model', { authorization: `Bearer ${secret}` })).status, 200);
    assert.equal((await e.t.app.inject({ method: 'DELETE', url: `/auth/tokens/${id}`, headers: bearer(e.session) })).statusCode, 204);
    const after = await get('/api/models/acme/tiny-model', { authorization: `Bearer ${secret}` });
    assert.equal(after.status, 401);
    assert.match(String(after.headers['x-error-message']), /revoked/);
    assert.equal((await e.t.app.inject({ method: 'DELETE', url: `/auth/tokens/${id}`, headers: bearer(e.session) })).statusCode, 404);
  });

  it('scopes: "api" works as a Bearer token for the API, "mirror:read" does not, and no token makes tokens', async () => {
    const apiToken = await e.createToken('api');
    const models = await e.t.app.inject({ url: '/db/models', headers: bearer(apiToken) });
    assert.equal(models.statusCode, 200, models.body);
    assert.equal((await get('/api/models/acme/tiny-model', { authorization: `Bearer ${apiToken}` })).status, 200);
    const denied = await e.t.app.inject({ url: '/db/models', headers: bearer(token) });
    assert.equal(denied.statusCode, 403);
    assert.match(denied.json().message, /mirror:read/);
    const mint = await e.t.app.inject({ method: 'POST', url: '/auth/tokens', payload: { name: 'x', scope: 'api' }, headers: bearer(apiToken) });
    assert.equal(mint.statusCode, 403);
    const bad = await e.t.app.inject({ url: '/db/models', headers: bearer('hf_d011dl0000') });
    assert.equal(bad.statusCode, 401);
  });

  it('401 without a token or with a foreign one', async () => {
    for (const h of [{}, { authorization: 'Bearer hf_someone_elses_hub_token' }, { authorization: 'Basic abc' }]) {
      const r = await raw(e.api, 'GET', '/mirror/api/models/acme/tiny-model', h);
      assert.equal(r.status, 401);
      assert.match(String(r.headers['x-error-message']), /token|credentials/i);
      assert.equal((await raw(e.api, 'HEAD', '/mirror/acme/tiny-model/resolve/main/config.json', h)).status, 401);
    }
  });

  it("repo info, refs and a paginated tree in the Hub's shapes", async () => {
    const info = MirrorRepoInfoSchema.parse(JSON.parse((await get('/api/models/acme/tiny-model/revision/main?blobs=true')).body.toString()));
    assert.equal(info.sha, main);
    assert.equal(info.id, 'acme/tiny-model');
    const expected = await e.sim.expectedFiles('acme/tiny-model', 'main');
    assert.deepEqual(info.siblings.map((s) => s.rfilename).sort(), expected.map((f) => f.path).sort());
    for (const f of expected) {
      const s = info.siblings.find((x) => x.rfilename === f.path)!;
      assert.equal(s.blobId, f.oid);
      assert.equal(s.lfs?.sha256, f.lfs ? f.sha256 : undefined);
    }
    const refs = MirrorRefsSchema.parse(JSON.parse((await get('/api/models/acme/tiny-model/refs?include_prs=1')).body.toString()));
    assert.deepEqual(refs.branches, [{ name: 'main', ref: 'refs/heads/main', targetCommit: main }]);
    const seen: string[] = [];
    let next: string | undefined = `/api/models/acme/tiny-model/tree/main?recursive=true&limit=3`;
    while (next) {
      const page = await get(next);
      assert.equal(page.status, 200);
      for (const x of JSON.parse(page.body.toString())) seen.push(MirrorTreeEntrySchema.parse(x).path);
      const link = /^<(https?:\/\/[^>]+)>; rel="next"$/.exec(String(page.headers.link ?? ''));
      next = link ? new URL(link[1]!).href.slice(`${e.api}/mirror`.length) : undefined;
    }
    assert.equal(new Set(seen).size, seen.length);
    assert.ok(seen.includes('nested/deep/weights.bin') && seen.includes('nested/deep'));
    const sub = JSON.parse((await get('/api/models/acme/tiny-model/tree/main/nested%2Fdeep')).body.toString());
    assert.deepEqual(
      sub.map((x: { path: string }) => x.path),
      ['nested/deep/weights.bin'],
    );
  });

  it("resolve: the Hub's headers, byte-exact GET, Range resume, 416, If-None-Match 304, If-Range", async () => {
    const f = (await e.sim.expectedFiles('acme/tiny-model', 'main')).find((x) => x.path === 'model.safetensors')!;
    const bytes = await e.sim.fileBytes('acme/tiny-model', 'main', f.path);
    const h = await head('/acme/tiny-model/resolve/main/model.safetensors');
    assert.equal(h.status, 200);
    assert.equal(h.headers['x-repo-commit'], main);
    assert.equal(h.headers.etag, `"${f.sha256}"`);
    assert.equal(h.headers['x-linked-etag'], `"${f.sha256}"`);
    assert.equal(h.headers['x-linked-size'], String(f.size));
    assert.equal(h.headers['content-length'], String(f.size));
    assert.equal(h.headers['accept-ranges'], 'bytes');
    const whole = await get(`/acme/tiny-model/resolve/${main}/model.safetensors`);
    assert.ok(whole.body.equals(bytes));
    const part = await get('/acme/tiny-model/resolve/main/model.safetensors', { range: 'bytes=1000001-' });
    assert.equal(part.status, 206);
    assert.equal(part.headers['content-range'], `bytes 1000001-${f.size - 1}/${f.size}`);
    assert.ok(Buffer.concat([bytes.subarray(0, 1000001), part.body]).equals(bytes), 'a resumed download is byte-exact');
    assert.equal((await get('/acme/tiny-model/resolve/main/model.safetensors', { range: `bytes=${f.size}-` })).status, 416);
    assert.equal((await get('/acme/tiny-model/resolve/main/model.safetensors', { 'if-none-match': `"${f.sha256}"` })).status, 304);
    const changed = await get('/acme/tiny-model/resolve/main/model.safetensors', { range: 'bytes=0-9', 'if-range': '"0000"' });
    assert.equal(changed.status, 200);
    const git = await head('/acme/tiny-model/resolve/main/config.json');
    assert.equal(git.headers.etag, `"${(await e.sim.expectedFiles('acme/tiny-model', 'main')).find((x) => x.path === 'config.json')!.oid}"`);
  });

  it("404s carry the Hub's error codes; a file that is not done is not served", async () => {
    const codes = async (p: string) => {
      const r = await get(p);
      return [r.status, r.headers['x-error-code'], r.headers['x-repo-commit']];
    };
    assert.deepEqual(await codes('/api/models/acme/nope'), [404, 'RepoNotFound', undefined]);
    assert.deepEqual(await codes('/nobody/nope/resolve/main/x'), [404, 'RepoNotFound', undefined]);
    assert.deepEqual(await codes('/api/models/acme/tiny-model/revision/dev'), [404, 'RevisionNotFound', undefined]);
    assert.deepEqual(await codes('/acme/tiny-model/resolve/v1.0/config.json'), [404, 'RevisionNotFound', undefined]);
    assert.deepEqual(await codes('/acme/tiny-model/resolve/main/nope.txt'), [404, 'EntryNotFound', main]);
    assert.deepEqual(await codes('/api/models/acme/tiny-model/tree/main/nope'), [404, 'EntryNotFound', main]);
    assert.deepEqual(await codes('/api/datasets/acme/tiny-dataset'), [404, 'RepoNotFound', undefined]);
    await sql("UPDATE model_files SET status = 'failed' WHERE path = 'config.json'");
    try {
      assert.deepEqual(await codes('/acme/tiny-model/resolve/main/config.json'), [404, 'EntryNotFound', main]);
      const tree = JSON.parse((await get('/api/models/acme/tiny-model/tree/main')).body.toString());
      assert.ok(!tree.some((x: { path: string }) => x.path === 'config.json'));
    } finally {
      await sql("UPDATE model_files SET status = 'done' WHERE path = 'config.json'");
    }
  });

  it('no way out of the revision folder through any part of the request', async () => {
    const attempts = [
      '/..%2F..%2F..%2Fetc/passwd/resolve/main/x',
      '/acme/..%2F..%2F..%2Fetc/resolve/main/passwd',
      '/acme/tiny-model/resolve/..%2F..%2F..%2F..%2Fetc/passwd',
      '/acme/tiny-model/resolve/main/../../../../etc/passwd',
      '/acme/tiny-model/resolve/main/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
      '/acme/tiny-model/resolve/main/%2Fetc%2Fpasswd',
      '/acme/tiny-model/resolve/main/nested/..%2F..%2Fmain%2Fconfig.json',
      '/acme/tiny-model/resolve/main/config.json%00',
      '/api/models/acme/tiny-model/tree/main/..%2F..%2F..',
      '/api/models/..%2F..%2F../tiny-model/revision/main',
      '/api/models/acme/tiny-model/revision/..%2F..%2Fmain',
    ];
    for (const p of attempts) {
      const r = await get(p);
      assert.ok([400, 404].includes(r.status), `${p}: ${r.status}`);
      assert.ok(!r.body.toString().includes('root:'), p);
    }
    const pi = await raw(
      e.api,
      'POST',
      '/mirror/api/models/acme/tiny-model/paths-info/main',
      { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      JSON.stringify({ paths: ['../../../../etc/passwd', '/etc/passwd', 'config.json'] }),
    );
    assert.deepEqual(
      JSON.parse(pi.body.toString()).map((x: { path: string }) => x.path),
      ['config.json'],
    );
  });

  it('a symbolic link planted in the storage is never followed', async () => {
    const readme = path.join(revDir(), 'README.md');
    const size = (await readFile(readme)).length;
    const outside = path.join(e.t.dir, 'secret.txt');
    await writeFile(outside, 'S'.repeat(size));
    await rename(readme, `${readme}.bak`);
    await symlink(outside, readme);
    const nested = path.join(revDir(), 'nested');
    const elsewhere = path.join(e.t.dir, 'elsewhere');
    try {
      const r = await get('/acme/tiny-model/resolve/main/README.md');
      assert.equal(r.status, 404);
      assert.ok(!r.body.toString().includes('SSSS'));
      await mkdir(elsewhere);
      await cp(nested, path.join(elsewhere, 'nested'), { recursive: true });
      await rename(nested, `${nested}.bak`);
      await symlink(path.join(elsewhere, 'nested'), nested);
      assert.equal((await get('/acme/tiny-model/resolve/main/nested/notes.txt')).status, 404);
    } finally {
      await rm(readme, { force: true });
      await rename(`${readme}.bak`, readme);
      await rm(nested, { force: true });
      await rename(`${nested}.bak`, nested).catch(() => {});
    }
    assert.equal((await get('/acme/tiny-model/resolve/main/nested/notes.txt')).status, 200);
  });

  it('the simulator saw no request from any mirror read', () => {
    assert.deepEqual(upstream(e.sim), []);
  });
});

describe('mirror refs: branches and tags', () => {
  let e: MirrorEnv;
  let token: string;
  before(async () => {
    e = await startMirrorEnv();
    await e.download('acme', 'tiny-model', 'main', [{ path: 'config.json', type: 'file' }]);
    token = await e.createToken('mirror:read');
  });
  after(() => e.close());
  const get = (p: string) => raw(e.api, 'GET', `/mirror${p}`, { authorization: `Bearer ${token}` });

  it('lists a revision the update checker found to be a tag under tags', async () => {
    await e.download('acme', 'tiny-model', 'v1.0', [{ path: 'config.json', type: 'file' }]);
    const model = (await e.t.app.inject({ url: '/db/models?revision=v1.0', headers: bearer(e.session) })).json()[0];
    const check = await e.t.app.inject({ method: 'POST', url: `/db/models/${model.id}/check-update`, headers: bearer(e.session) });
    assert.equal(check.statusCode, 200, check.body);
    const refs = MirrorRefsSchema.parse(JSON.parse((await get('/api/models/acme/tiny-model/refs')).body.toString()));
    assert.deepEqual(refs.tags, [{ name: 'v1.0', ref: 'refs/tags/v1.0', targetCommit: e.sim.commitSha('acme/tiny-model', 'v1.0') }]);
    assert.deepEqual(
      refs.branches.map((b) => b.name),
      ['main'],
    );
  });
});
