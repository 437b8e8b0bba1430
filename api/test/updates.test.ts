// Update checks (issue 15): the Hub's branch moves, the check flags it and says what changed; pinned
// revisions and tags are never flagged; the periodic check runs by itself.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startHubSim, type HubSim } from '@d011dl/hubsim';
import { bearer, registerAndLogin, startTestApp, type TestApp } from './helpers/app.ts';
import { waitForStatus } from './helpers/downloads.ts';
import { createPool } from '../src/db/pool.ts';
import { updatesRepository } from '../src/updates/updates.repository.ts';

describe('update checks', () => {
  let sim: HubSim;
  let t: TestApp;
  let token: string;
  before(async () => {
    sim = await startHubSim();
    // about every second: the scheduler's own test below waits for it
    t = await startTestApp({ HF_ENDPOINT: sim.url, UPDATE_CHECK_INTERVAL_H: String(1 / 3600) });
    token = (await registerAndLogin(t.app)).token;
  });
  after(async () => {
    await t.close();
    await sim.close();
  });
  const req = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) =>
    t.app.inject({ method, url, headers: bearer(token), ...(payload ? { payload } : {}) });
  const download = async (payload: object) => {
    const res = await req('POST', '/downloads', payload);
    assert.equal(res.statusCode, 202, res.body);
    const d = await waitForStatus(t.app, token, res.json().download_id, ['succeeded', 'failed']);
    assert.equal(d.status, 'succeeded', JSON.stringify(d));
    return d;
  };
  const row = async (repo: string, revision: string) => {
    const rows = (await req('GET', `/db/models?author=acme&repo=${repo}&revision=${encodeURIComponent(revision)}`)).json();
    assert.equal(rows.length, 1);
    return rows[0];
  };
  const waitFor = async <T>(what: string, fn: () => Promise<T | undefined | false>): Promise<T> => {
    for (let i = 0; i < 600; i++) {
      const v = await fn();
      if (v) return v;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${what}`);
  };

  let mainId: string;
  let tagId: string;
  let pinnedId: string;

  it('a fresh download of a branch is up to date, and says so', async () => {
    await download({ author: 'acme', repo: 'tiny-model', revision: 'main' });
    const m = await row('tiny-model', 'main');
    mainId = m.id;
    assert.equal(m.update_available, false);
    assert.equal(m.pinned, false);
    const res = await req('POST', `/db/models/${mainId}/check-update`);
    assert.equal(res.statusCode, 200, res.body);
    const c = res.json();
    assert.equal(c.checkable, true);
    assert.equal(c.update_available, false);
    assert.equal(c.hub_commit_sha, sim.commitSha('acme/tiny-model', 'main'));
    assert.equal(c.changes, null);
    assert.ok(c.checked_at);
  });

  it('after the branch moves, the check flags it and lists what was added, changed and removed, with sizes', async () => {
    const old = await sim.expectedFiles('acme/tiny-model', 'main');
    const config = '{\n  "model_type": "tiny",\n  "hidden_size": 96,\n  "layers": 2\n}\n';
    const sha = sim.advanceBranch('acme/tiny-model', 'main', {
      files: {
        'config.json': config,
        'model.safetensors': { lfs: { size: 3 * 1024 * 1024 + 5, seed: 'retrained' } },
        'tokenizer.json': '{"added": true}\n',
        'empty.txt': null,
      },
    });
    const res = await req('POST', `/db/models/${mainId}/check-update`);
    assert.equal(res.statusCode, 200, res.body);
    const c = res.json();
    assert.equal(c.update_available, true);
    assert.equal(c.hub_commit_sha, sha);
    assert.notEqual(c.commit_sha, sha);
    const size = (p: string) => old.find((f) => f.path === p)!.size;
    assert.deepEqual(c.changes.files, [
      { path: 'config.json', change: 'changed', size_bytes: config.length, old_size_bytes: size('config.json'), tracked: true },
      { path: 'empty.txt', change: 'removed', size_bytes: 0, old_size_bytes: 0, tracked: true },
      { path: 'model.safetensors', change: 'changed', size_bytes: 3 * 1024 * 1024 + 5, old_size_bytes: size('model.safetensors'), tracked: true },
      { path: 'tokenizer.json', change: 'added', size_bytes: 16, old_size_bytes: null, tracked: false },
    ]);
    assert.deepEqual([c.changes.added, c.changes.changed, c.changes.removed], [1, 2, 1]);
    assert.equal(c.changes.bytes_to_fetch, config.length + 3 * 1024 * 1024 + 5 + 16);
    const m = await row('tiny-model', 'main');
    assert.equal(m.update_available, true);
    assert.equal(m.hub_commit_sha, sha);
    const changes = (await req('GET', `/db/models/${mainId}/changes`)).json();
    assert.deepEqual(changes, c.changes);
  });

  it('a tag is never checked: not flagged, no Hub commit, no check time', async () => {
    await download({ author: 'acme', repo: 'tiny-model', revision: 'v1.0', selection: [{ path: 'config.json', type: 'file' }] });
    tagId = (await row('tiny-model', 'v1.0')).id;
    const c = (await req('POST', `/db/models/${tagId}/check-update`)).json();
    assert.equal(c.checkable, false);
    assert.equal(c.update_available, false);
    assert.equal(c.hub_commit_sha, null);
    assert.equal(c.checked_at, null);
  });

  it('a pinned revision is never flagged nor checked; unpinned, it is', async () => {
    await download({ author: 'acme', repo: 'tiny-model', revision: 'dev', selection: [{ path: 'dev-only.txt', type: 'file' }] });
    pinnedId = (await row('tiny-model', 'dev')).id;
    const pin = await req('PUT', `/db/models/${pinnedId}/pin`, { pinned: true });
    assert.equal(pin.statusCode, 200, pin.body);
    assert.equal(pin.json().pinned, true);
    sim.advanceBranch('acme/tiny-model', 'dev', { files: { 'dev-only.txt': 'moved on\n' } });
    const refused = await req('POST', `/db/models/${pinnedId}/check-update`);
    assert.equal(refused.statusCode, 409);
    assert.match(refused.json().message, /pinned/);
    // the periodic check runs (main is checked again) and leaves the pinned one alone: one tick lets a
    // check that was under way at the pin end, the next must not touch it
    const tick = async () => {
      const before = (await row('tiny-model', 'main')).checked_at;
      await waitFor('a periodic check of main', async () => (await row('tiny-model', 'main')).checked_at !== before);
    };
    await tick();
    const seen = (await row('tiny-model', 'dev')).checked_at;
    await tick();
    const p = await row('tiny-model', 'dev');
    assert.equal(p.pinned, true);
    assert.equal(p.update_available, false);
    assert.equal(p.checked_at, seen);
    assert.equal((await row('tiny-model', 'v1.0')).checked_at, null, 'the tag is not checked periodically either');
    assert.equal((await req('PUT', `/db/models/${pinnedId}/pin`, { pinned: false })).json().pinned, false);
    const c = (await req('POST', `/db/models/${pinnedId}/check-update`)).json();
    assert.equal(c.update_available, true);
    assert.deepEqual(
      c.changes.files.filter((f: { tracked: boolean }) => f.tracked).map((f: { path: string; change: string }) => [f.path, f.change]),
      [['dev-only.txt', 'changed']],
    );
  });

  it('the periodic check flags a moved branch by itself', async () => {
    await download({ author: 'acme', repo: 'split-gguf', revision: 'main', selection: [{ path: 'README.md', type: 'file' }] });
    const sha = sim.advanceBranch('acme/split-gguf', 'main');
    const m = await waitFor('the scheduler to flag split-gguf', async () => {
      const r = await row('split-gguf', 'main');
      return r.update_available ? r : undefined;
    });
    assert.equal(m.hub_commit_sha, sha);
  });

  it('while another instance hands out checks, this one takes none; then it takes the due ones', async () => {
    const pool = createPool(t.config.pg!, 4);
    const other = await pool.connect();
    try {
      // another API process in the middle of its claim holds the lock of api/src/updates/updates.repository.ts
      await other.query('BEGIN');
      await other.query("SELECT pg_advisory_xact_lock(hashtext('d011dl:update-check'))");
      await pool.query('UPDATE models SET update_checked_at = NULL WHERE NOT pinned');
      assert.deepEqual(await updatesRepository.claimDue(pool, 1, 100), []);
      await other.query('ROLLBACK');
      // this app's own scheduler may take them first: then the round is tried again
      for (let round = 0; ; round++) {
        const got = await updatesRepository.claimDue(pool, 1, 100);
        if (got.length) break;
        assert.ok(round < 100, 'a claim took something within 100 rounds');
        await pool.query('UPDATE models SET update_checked_at = NULL WHERE NOT pinned');
      }
    } finally {
      other.release();
      await pool.end();
    }
  });

  it('says in words what is wrong with an unknown model or a bad pin body', async () => {
    const missing = await req('POST', '/db/models/00000000-0000-4000-8000-000000000000/check-update');
    assert.equal(missing.statusCode, 404);
    assert.match(missing.json().message, /No model/);
    const bad = await req('PUT', `/db/models/${mainId}/pin`, { pinned: 'yes' });
    assert.equal(bad.statusCode, 400);
  });
});
