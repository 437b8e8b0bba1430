import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startHubSim, type HubSim } from '@d011dl/hubsim';
import { revisionFolder } from '../src/storage/layout.ts';
import { bearer, registerAndLogin, startTestApp, type TestApp } from './helpers/app.ts';
import { assertFilesExact, waitForStatus } from './helpers/downloads.ts';

describe('several revisions in one go (POST /downloads/batch)', () => {
  let sim: HubSim;
  let t: TestApp;
  let token: string;
  before(async () => {
    sim = await startHubSim();
    t = await startTestApp({ HF_ENDPOINT: sim.url });
    token = (await registerAndLogin(t.app)).token;
  });
  after(async () => {
    await t.close();
    await sim.close();
  });
  const post = (url: string, payload: object) => t.app.inject({ method: 'POST', url, payload, headers: bearer(token) });
  const jobCount = async () => (await t.app.inject({ url: '/downloads', headers: bearer(token) })).json().downloads.length;

  it('queues one job per revision, each pinned to its own commit, all byte-exact; shared files fetched once', async () => {
    const revisions = ['main', 'v1.0', 'feature/x'];
    sim.stats.reset();
    // slow enough that the jobs overlap while they fetch the big files they share
    sim.faults.set({ bandwidthPerConn: 256 * 1024 });
    const res = await post('/downloads/batch', { author: 'acme', repo: 'tiny-model', revisions });
    assert.equal(res.statusCode, 202, res.body);
    const items = res.json().downloads;
    assert.deepEqual(
      items.map((d: { revision: string; status: string }) => [d.revision, d.status]),
      revisions.map((r) => [r, 'queued']),
    );
    for (const [i, rev] of revisions.entries()) {
      assert.equal(items[i].commit_sha, sim.commitSha('acme/tiny-model', rev));
      const d = await waitForStatus(t.app, token, items[i].download_id, ['succeeded', 'failed']);
      assert.equal(d.status, 'succeeded', JSON.stringify(d));
      assert.equal(d.revision, rev);
      assert.equal(d.commit_sha, sim.commitSha('acme/tiny-model', rev));
      await assertFilesExact(sim, t.config.storageRoot, 'acme/tiny-model', rev, revisionFolder(rev));
    }
    sim.faults.reset();
    // the jobs run side by side (JOB_CONCURRENCY 2), yet each content crossed the network once: the other
    // revisions linked it (de-duplication)
    const bodies = sim.stats.requests.filter((r) => r.method === 'GET' && r.status < 300 && (r.server === 'cdn' || r.path.includes('/resolve')));
    const distinct = new Map<string, number>();
    for (const rev of revisions) for (const f of await sim.expectedFiles('acme/tiny-model', rev)) distinct.set(f.oid, f.size);
    assert.equal(
      bodies.reduce((n, r) => n + r.bytes, 0),
      [...distinct.values()].reduce((n, v) => n + v, 0),
      'every distinct content fetched exactly once',
    );
  });

  it('again: every revision is reported as already downloaded, nothing is queued', async () => {
    const before = await jobCount();
    const res = await post('/downloads/batch', { author: 'acme', repo: 'tiny-model', revisions: ['main', 'v1.0'] });
    assert.equal(res.statusCode, 202, res.body);
    for (const d of res.json().downloads) {
      assert.equal(d.status, 'already_downloaded');
      assert.equal(d.download_id, null);
      assert.match(d.message, /already downloaded/);
    }
    assert.equal(await jobCount(), before);
  });

  it('all or nothing: one unknown revision refuses the batch, naming it, and queues nothing', async () => {
    const before = await jobCount();
    const res = await post('/downloads/batch', { author: 'acme', repo: 'tiny-model', revisions: ['dev', 'no-such-branch'] });
    assert.equal(res.statusCode, 404, res.body);
    assert.match(res.json().message, /^no-such-branch: /);
    assert.equal(await jobCount(), before);
  });

  it('a method the route does not serve is 405 with its own Allow (not the GET of /downloads/:id beside it)', async () => {
    const res = await t.app.inject({ method: 'OPTIONS', url: '/downloads/batch', headers: bearer(token) });
    assert.equal(res.statusCode, 405);
    assert.equal(res.headers.allow, 'POST');
    const get = await t.app.inject({ method: 'GET', url: '/downloads/batch', headers: bearer(token) });
    assert.equal(get.statusCode, 405, 'not "ID must be a UUID" from GET /downloads/:id');
    assert.equal(get.headers.allow, 'POST');
  });

  it('refuses an empty or repeated list in words', async () => {
    let res = await post('/downloads/batch', { author: 'acme', repo: 'tiny-model', revisions: [] });
    assert.equal(res.statusCode, 400);
    assert.match(res.json().message, /at least one revision/);
    res = await post('/downloads/batch', { author: 'acme', repo: 'tiny-model', revisions: ['dev', 'dev'] });
    assert.equal(res.statusCode, 400);
    assert.match(res.json().message, /must not name a revision twice/);
  });
});
