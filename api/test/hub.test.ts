import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startHubSim, type HubSim } from '@d011dl/hubsim';
import { bearer, registerAndLogin, startTestApp, type TestApp } from './helpers/app.ts';

describe('Hugging Face browsing against the hub simulator', () => {
  let sim: HubSim;
  let t: TestApp;
  let token: string;
  before(async () => {
    sim = await startHubSim();
    t = await startTestApp({ HF_ENDPOINT: sim.url, HF_TIMEOUT_MS: '3000' });
    token = (await registerAndLogin(t.app)).token;
  });
  after(async () => {
    await t.close();
    await sim.close();
  });
  const get = (url: string) => t.app.inject({ url, headers: bearer(token) });

  async function allPages(
    query: string,
  ): Promise<{ files: Array<{ path: string; type: string; size_bytes: number; oid: string; lfs_sha256?: string }>; pages: number }> {
    const files = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await get(`/hf/tree?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      assert.equal(res.statusCode, 200, res.body);
      files.push(...res.json().files);
      cursor = res.json().next_cursor;
      pages++;
    } while (cursor && pages < 100);
    return { files, pages };
  }

  it('lists branches and tags, and pull-request refs when asked', async () => {
    const res = await get('/hf/refs?author=acme&repo=tiny-model');
    assert.equal(res.statusCode, 200);
    const refs = res.json();
    assert.deepEqual([...refs.branches].sort(), ['dev', 'feature/x', 'main']);
    assert.deepEqual(refs.tags, ['v1.0']);
    assert.equal(
      refs.refs.some((r: { kind: string }) => r.kind === 'pr'),
      false,
    );
    assert.equal(
      refs.refs.find((r: { name: string; kind: string }) => r.name === 'main' && r.kind === 'branch').commit,
      sim.commitSha('acme/tiny-model', 'main'),
    );
    const withPrs = (await get('/hf/refs?author=acme&repo=tiny-model&include_prs=true')).json();
    assert.deepEqual(
      withPrs.refs.filter((r: { kind: string }) => r.kind === 'pr').map((p: { ref: string }) => p.ref),
      ['refs/pr/1'],
    );
  });

  it('lists the whole tree recursively with sizes, oids and LFS hashes', async () => {
    const { files } = await allPages('author=acme&repo=tiny-model&revision=main');
    const expected = await sim.expectedFiles('acme/tiny-model', 'main');
    const byPath = new Map(files.map((f) => [f.path, f]));
    for (const e of expected) {
      const f = byPath.get(e.path);
      assert.ok(f, `missing ${e.path}`);
      assert.equal(f.type, 'file');
      assert.equal(f.size_bytes, e.size);
      assert.equal(f.lfs_sha256, e.lfs ? e.sha256 : undefined, e.path);
    }
    assert.deepEqual(
      files
        .filter((f) => f.type === 'dir')
        .map((f) => f.path)
        .sort(),
      ['nested', 'nested/deep', 'unicode', 'with space'],
    );
    assert.equal(byPath.get('empty.txt')!.size_bytes, 0);
  });

  it("follows the Hub's Link pagination across pages (5,000 files)", async () => {
    const { files, pages } = await allPages('author=acme&repo=many-files&revision=main');
    assert.ok(pages >= 5, `expected several pages, got ${pages}`);
    assert.equal(files.filter((f) => f.type === 'file').length, 5002);
    assert.equal(new Set(files.map((f) => f.path)).size, files.length, 'no entry twice');
  });

  it('lists one folder, at branches, tags, refs/pr/N and a branch with a slash', async () => {
    const folder = (await get('/hf/tree?author=acme&repo=tiny-model&revision=main&path=nested')).json();
    assert.deepEqual(folder.files.map((f: { path: string }) => f.path).sort(), ['nested/deep', 'nested/notes.txt']);
    const deep = (await get('/hf/tree?author=acme&repo=tiny-model&revision=main&path=nested&recursive=true')).json();
    assert.ok(deep.files.some((f: { path: string }) => f.path === 'nested/deep/weights.bin'));
    const paths = async (rev: string) => (await allPages(`author=acme&repo=tiny-model&revision=${encodeURIComponent(rev)}`)).files.map((f) => f.path);
    assert.ok((await paths('dev')).includes('dev-only.txt'));
    assert.ok(!(await paths('v1.0')).includes('nested/notes.txt'));
    assert.ok((await paths('refs/pr/1')).includes('pr-file.txt'));
    assert.ok((await paths('feature/x')).includes('feature-x.txt'));
    assert.ok((await paths(sim.commitSha('acme/tiny-model', 'dev'))).includes('dev-only.txt'), 'a commit sha works as a revision');
  });

  it('maps Hub errors to clear API errors', async () => {
    const cases: Array<[string, number, string, RegExp]> = [
      ['/hf/refs?author=acme&repo=no-such-repo', 404, 'RepoNotFound', /acme\/no-such-repo was not found.*HF_TOKEN/],
      ['/hf/tree?author=acme&repo=tiny-model&revision=nope', 404, 'RevisionNotFound', /no branch, tag or commit "nope"/],
      ['/hf/tree?author=acme&repo=tiny-model&revision=main&path=missing-dir', 404, 'EntryNotFound', /no file or folder "missing-dir"/],
      ['/hf/refs?author=acme&repo=private-model', 404, 'RepoNotFound', /private/],
    ];
    for (const [url, status, code, message] of cases) {
      const res = await get(url);
      assert.equal(res.statusCode, status, `${url}: ${res.body}`);
      assert.equal(res.json().error, code, url);
      assert.match(res.json().message, message, url);
    }
  });

  it('refuses bad names and paths with a 400 before asking the Hub', async () => {
    sim.stats.reset();
    for (const url of [
      '/hf/tree?author=acme&repo=..',
      '/hf/tree?author=ac--me&repo=x',
      '/hf/tree?author=acme&repo=tiny-model&path=../etc',
      '/hf/tree?author=acme&repo=tiny-model&path=/etc',
      '/hf/tree?author=acme&repo=tiny-model&revision=../../x',
      '/hf/refs?repo=tiny-model',
      '/hf/tree?author=acme&repo=tiny-model&cursor=bm90LWEtY3Vyc29y',
    ]) {
      const res = await get(url);
      assert.equal(res.statusCode, 400, `${url}: ${res.body}`);
    }
    assert.equal(sim.stats.requests.length, 0, 'nothing reached the Hub');
  });

  it('parses pasted URLs, including links to the configured endpoint', async () => {
    const post = (url: string) => t.app.inject({ method: 'POST', url: '/hf/parse-url', headers: bearer(token), payload: { url } });
    assert.deepEqual((await post('https://huggingface.co/acme/tiny-model/tree/refs%2Fpr%2F1')).json(), {
      author: 'acme',
      repo: 'tiny-model',
      revision: 'refs/pr/1',
      kind: 'tree',
    });
    assert.deepEqual((await post(`${sim.url}/acme/tiny-model/blob/dev/config.json`)).json(), {
      author: 'acme',
      repo: 'tiny-model',
      revision: 'dev',
      path: 'config.json',
      kind: 'blob',
    });
    const bad = await post('https://huggingface.co.evil.com/acme/tiny-model');
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().message, /host must be huggingface\.co/);
    assert.equal((await post('')).statusCode, 400);
  });

  it('retries Hub 5xx, then answers 502 when it keeps failing', async () => {
    sim.faults.set({ rules: [{ kind: 'status', status: 503, match: '/api/models/acme/tiny-model/refs', count: 2 }] });
    assert.equal((await get('/hf/refs?author=acme&repo=tiny-model')).statusCode, 200, 'two 503s are retried away');
    sim.faults.set({ rules: [{ kind: 'status', status: 500, match: '/api/models/acme/tiny-model/refs', count: 50 }] });
    const res = await get('/hf/refs?author=acme&repo=tiny-model');
    assert.equal(res.statusCode, 502);
    assert.equal(res.json().error, 'HubUnavailable');
    sim.faults.reset();
  });

  it('honours 429 Retry-After', async () => {
    sim.faults.set({ rules: [{ kind: 'status', status: 429, retryAfter: 1, match: '/api/models/acme/tiny-model/refs', count: 1 }] });
    const started = Date.now();
    assert.equal((await get('/hf/refs?author=acme&repo=tiny-model')).statusCode, 200);
    assert.ok(Date.now() - started >= 900, 'waited for Retry-After');
    sim.faults.reset();
  });

  it('answers 502 when the Hub does not answer in time', async () => {
    sim.faults.set({ latencyMs: 8000 });
    const t2 = await startTestApp({ HF_ENDPOINT: sim.url, HF_TIMEOUT_MS: '1000' });
    try {
      const tok = (await registerAndLogin(t2.app)).token;
      const res = await t2.app.inject({ url: '/hf/refs?author=acme&repo=tiny-model', headers: bearer(tok) });
      assert.equal(res.statusCode, 502);
      assert.match(res.json().message, /did not answer in time|Could not reach/);
    } finally {
      sim.faults.reset();
      await t2.close();
    }
  });
});

describe('Hugging Face browsing with an HF_TOKEN', () => {
  let sim: HubSim;
  before(async () => {
    sim = await startHubSim();
  });
  after(() => sim.close());

  async function withToken(hfToken: string, fn: (get: (url: string) => Promise<{ statusCode: number; json(): any }>) => Promise<void>) {
    const t = await startTestApp({ HF_ENDPOINT: sim.url, HF_TOKEN: hfToken });
    try {
      const token = (await registerAndLogin(t.app)).token;
      await fn((url) => t.app.inject({ url, headers: bearer(token) }));
    } finally {
      await t.close();
    }
  }

  it('sees private repos the token can read, and sends the token only to the Hub endpoint', async () => {
    await withToken('hf_alice_token', async (get) => {
      sim.stats.reset();
      assert.equal((await get('/hf/tree?author=acme&repo=private-model&revision=main')).statusCode, 200);
      assert.ok(
        sim.stats.requests.every((r) => r.server === 'hub' && r.auth),
        'every metadata call went to the hub, with auth',
      );
    });
  });

  it('says a gated repo needs access to be requested (bob is not approved)', async () => {
    // Gated repos list publicly; the gate shows on file access, which downloads hit. Refs/tree work.
    await withToken('hf_bob_token', async (get) => {
      assert.equal((await get('/hf/refs?author=acme&repo=gated-model')).statusCode, 200);
      assert.equal((await get('/hf/refs?author=acme&repo=private-model')).statusCode, 404);
    });
  });

  it('reports a token the Hub rejects as a server misconfiguration', async () => {
    await withToken('hf_revoked_token', async (get) => {
      const res = await get('/hf/refs?author=acme&repo=tiny-model');
      assert.equal(res.statusCode, 502);
      assert.equal(res.json().error, 'HubAuthFailed');
      assert.doesNotMatch(JSON.stringify(res.json()), /hf_revoked_token/);
    });
  });
});
