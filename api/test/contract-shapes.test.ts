// The product spec's sample contracts, which users' own scripts follow (issue 12, item 8): the real
// API over real HTTP answers each route in that shape. Each answer is parsed with the contract's
// schema AND its spec fields are asserted one by one, so that a change of the schema itself (e.g.
// `{models: [...]}` instead of an array, objects instead of ref names) fails here too.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startHubSim, type HubSim } from '@d011dl/hubsim';
import {
  CreateDownloadResponseSchema,
  DownloadSchema,
  LoginResponseSchema,
  ModelsResponseSchema,
  ParsedHfUrlSchema,
  RefsResponseSchema,
  RegisterResponseSchema,
  TreeResponseSchema,
} from '@d011dl/contract';
import { startTestApp, type TestApp } from './helpers/app.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isNullOrString = (v: unknown) => v === null || typeof v === 'string';

describe('the spec sample contracts, over HTTP', () => {
  let sim: HubSim;
  let t: TestApp;
  let base: string;
  let token = '';
  before(async () => {
    sim = await startHubSim();
    t = await startTestApp({ HF_ENDPOINT: sim.url, HF_TIMEOUT_MS: '5000' });
    base = await t.app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await t.close();
    await sim.close();
  });

  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(base + path, { method, headers, body: body === undefined ? null : JSON.stringify(body) });
    return { status: res.status, json: await res.json() };
  }

  it('POST /auth/register answers 201 {id, username}', async () => {
    const r = await call('POST', '/auth/register', { username: 'spec-user', password: 'correct horse battery' });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    RegisterResponseSchema.parse(r.json);
    assert.match(r.json.id, UUID);
    assert.equal(r.json.username, 'spec-user');
  });

  it('POST /auth/login answers {token, user}', async () => {
    const r = await call('POST', '/auth/login', { username: 'spec-user', password: 'correct horse battery' });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    LoginResponseSchema.parse(r.json);
    assert.equal(typeof r.json.token, 'string');
    assert.ok(r.json.token.length > 0);
    assert.equal(typeof r.json.user, 'object');
    assert.match(r.json.user.id, UUID);
    assert.equal(r.json.user.username, 'spec-user');
    token = r.json.token;
  });

  it('POST /hf/parse-url answers {author, repo, revision}', async () => {
    const r = await call('POST', '/hf/parse-url', { url: 'https://huggingface.co/acme/tiny-model/tree/main' });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    ParsedHfUrlSchema.parse(r.json);
    assert.equal(r.json.author, 'acme');
    assert.equal(r.json.repo, 'tiny-model');
    assert.equal(r.json.revision, 'main');
  });

  it('GET /hf/refs answers {branches: [names], tags: [names]}, details only in refs', async () => {
    const r = await call('GET', '/hf/refs?author=acme&repo=tiny-model&include_prs=true');
    assert.equal(r.status, 200, JSON.stringify(r.json));
    RefsResponseSchema.parse(r.json);
    assert.ok(Array.isArray(r.json.branches) && r.json.branches.every((b: unknown) => typeof b === 'string'), JSON.stringify(r.json.branches));
    assert.ok(Array.isArray(r.json.tags) && r.json.tags.every((b: unknown) => typeof b === 'string'), JSON.stringify(r.json.tags));
    assert.ok(r.json.branches.includes('main'));
    assert.ok(r.json.tags.includes('v1.0'));
    const main = r.json.refs.find((x: { name: string; kind: string }) => x.name === 'main' && x.kind === 'branch');
    assert.deepEqual(Object.keys(main).sort(), ['commit', 'kind', 'name', 'ref']);
    assert.equal(main.commit, sim.commitSha('acme/tiny-model', 'main'));
    assert.ok(r.json.refs.some((x: { kind: string; ref: string }) => x.kind === 'tag' && x.ref === 'refs/tags/v1.0'));
    assert.ok(r.json.refs.some((x: { kind: string; ref: string }) => x.kind === 'pr' && x.ref === 'refs/pr/1'));
    // pull requests are no branch of the spec's list
    assert.ok(!r.json.branches.some((b: string) => b.includes('pr/')));
  });

  it('GET /hf/tree answers {files, next_cursor}', async () => {
    const r = await call('GET', '/hf/tree?author=acme&repo=tiny-model&revision=main');
    assert.equal(r.status, 200, JSON.stringify(r.json));
    TreeResponseSchema.parse(r.json);
    assert.ok(Array.isArray(r.json.files) && r.json.files.length > 0);
    assert.ok('next_cursor' in r.json && isNullOrString(r.json.next_cursor));
    const config = r.json.files.find((f: { path: string }) => f.path === 'config.json');
    assert.equal(config.type, 'file');
    assert.equal(typeof config.size_bytes, 'number');
  });

  let downloadId = '';

  it('POST /downloads answers 202 {download_id, status}', async () => {
    const r = await call('POST', '/downloads', { author: 'acme', repo: 'tiny-model', revision: 'main', selection: [{ type: 'file', path: 'config.json' }] });
    assert.equal(r.status, 202, JSON.stringify(r.json));
    CreateDownloadResponseSchema.parse(r.json);
    assert.match(r.json.download_id, UUID);
    assert.equal(r.json.status, 'queued');
    downloadId = r.json.download_id;
  });

  it('GET /downloads/:id answers {status, progress_pct, started_at, finished_at, log}', async () => {
    let r = await call('GET', `/downloads/${downloadId}`);
    // wait on the condition (the job finishing), polling; no fixed sleep decides the outcome
    while (r.status === 200 && !['succeeded', 'failed', 'canceled'].includes(r.json.status)) {
      await new Promise((ok) => setTimeout(ok, 100));
      r = await call('GET', `/downloads/${downloadId}`);
    }
    assert.equal(r.status, 200, JSON.stringify(r.json));
    DownloadSchema.parse(r.json);
    assert.equal(r.json.status, 'succeeded', JSON.stringify(r.json));
    assert.equal(typeof r.json.progress_pct, 'number');
    assert.equal(r.json.progress_pct, 100);
    assert.equal(typeof r.json.started_at, 'string');
    assert.equal(typeof r.json.finished_at, 'string');
    assert.ok(isNullOrString(r.json.started_at) && !Number.isNaN(Date.parse(r.json.started_at)));
    assert.equal(typeof r.json.log, 'string');
  });

  it('GET /db/models answers a JSON array of models', async () => {
    const r = await call('GET', '/db/models?author=acme&repo=tiny-model');
    assert.equal(r.status, 200, JSON.stringify(r.json));
    ModelsResponseSchema.parse(r.json);
    assert.ok(Array.isArray(r.json), `not an array: ${JSON.stringify(r.json).slice(0, 200)}`);
    const m = r.json.find((x: { revision: string }) => x.revision === 'main');
    assert.match(m.id, UUID);
    assert.equal(m.author, 'acme');
    assert.equal(m.repo, 'tiny-model');
    assert.equal(typeof m.is_downloaded, 'boolean');
    assert.equal(typeof m.local_path, 'string');
  });
});
