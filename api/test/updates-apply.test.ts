import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startHubSim, type HubSim } from '@d011dl/hubsim';
import { bearer, registerAndLogin, startTestApp, type TestApp } from './helpers/app.ts';
import { assertFilesExact, waitForStatus } from './helpers/downloads.ts';

const REPO = 'acme/tiny-model';

/** Every file under `dir` (relative path → sha256), links included as files. */
async function snapshot(dir: string): Promise<Map<string, string> | null> {
  try {
    const out = new Map<string, string>();
    for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
      if (!e.isFile()) continue;
      const p = path.join(e.parentPath, e.name);
      out.set(
        path.relative(dir, p),
        createHash('sha256')
          .update(await readFile(p))
          .digest('hex'),
      );
    }
    return out;
  } catch {
    // the folder is between its two renames, or a file between listing and reading: no state seen
    return null;
  }
}

const same = (a: Map<string, string>, b: Map<string, string>) => a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);

describe('updates: only what changed, the folder swapped whole (POST /db/models/:id/update)', () => {
  let sim: HubSim;
  let t: TestApp;
  let token: string;
  let modelId: string;
  let live: string;
  before(async () => {
    sim = await startHubSim();
    t = await startTestApp({ HF_ENDPOINT: sim.url });
    token = (await registerAndLogin(t.app)).token;
    const res = await t.app.inject({ method: 'POST', url: '/downloads', payload: { author: 'acme', repo: 'tiny-model' }, headers: bearer(token) });
    const d = await waitForStatus(t.app, token, res.json().download_id, ['succeeded', 'failed']);
    assert.equal(d.status, 'succeeded');
    modelId = d.model_id;
    live = d.local_path;
  });
  after(async () => {
    await t.close();
    await sim.close();
  });
  const post = (url: string) => t.app.inject({ method: 'POST', url, headers: bearer(token) });

  it('refuses an up-to-date revision and a tag in words', async () => {
    let res = await post(`/db/models/${modelId}/update`);
    assert.equal(res.statusCode, 409, res.body);
    assert.match(res.json().message, /already at the Hub's latest commit/);
    const tag = await t.app.inject({
      method: 'POST',
      url: '/downloads',
      payload: { author: 'acme', repo: 'tiny-model', revision: 'v1.0' },
      headers: bearer(token),
    });
    const d = await waitForStatus(t.app, token, tag.json().download_id, ['succeeded', 'failed']);
    res = await post(`/db/models/${d.model_id}/update`);
    assert.equal(res.statusCode, 409);
    assert.match(res.json().message, /is not a branch/);
  });

  it('fetches only the changed and new files, trashes the old folder, never shows a mix', async () => {
    // a file of the user's own in the folder survives the update
    await writeFile(path.join(live, 'my-notes.txt'), 'mine\n');
    const old = (await snapshot(live))!;
    sim.advanceBranch(REPO, 'main', { path: 'config.json', text: '{\n  "model_type": "tiny",\n  "hidden_size": 256\n}\n' });
    sim.advanceBranch(REPO, 'main', { path: 'added.txt', text: 'new upstream\n' });
    const head = sim.advanceBranch(REPO, 'main', { path: 'empty.txt', text: null });
    sim.stats.reset();

    const res = await post(`/db/models/${modelId}/update`);
    assert.equal(res.statusCode, 202, res.body);
    const u = res.json();
    assert.equal(u.commit_sha, head);
    assert.deepEqual([u.files_added, u.files_changed, u.files_removed], [1, 1, 1]);
    const changedBytes = (await sim.expectedFiles(REPO, 'main')).filter((f) => ['config.json', 'added.txt'].includes(f.path)).reduce((n, f) => n + f.size, 0);
    assert.equal(u.bytes_to_fetch, changedBytes);

    // a reader polling the folder throughout sees the old set or the new one, never a mix
    const seen: Array<Map<string, string>> = [];
    let done = false;
    const reader = (async () => {
      while (!done) {
        const s = await snapshot(live);
        if (s) seen.push(s);
        await new Promise((r) => setImmediate(r));
      }
    })();
    const d = await waitForStatus(t.app, token, u.download_id, ['succeeded', 'failed']);
    done = true;
    await reader;
    assert.equal(d.status, 'succeeded', JSON.stringify(d));
    assert.equal(d.kind, 'update');
    assert.equal(d.model_id, modelId);

    // file bodies only (not the redirects from resolve to the file's host)
    const bodies = sim.stats.requests.filter((r) => r.method === 'GET' && r.status < 300 && (r.server === 'cdn' || r.path.includes('/resolve')));
    assert.deepEqual(bodies.map((r) => r.path.split('/').pop()).sort(), ['added.txt', 'config.json']);
    assert.equal(
      bodies.reduce((n, r) => n + r.bytes, 0),
      changedBytes,
    );
    await assertFilesExact(sim, t.config.storageRoot, REPO, 'main', 'main');
    const now = (await snapshot(live))!;
    assert.equal(now.get('my-notes.txt'), old.get('my-notes.txt'), "the user's own file stayed");
    assert.equal(now.has('empty.txt'), false);
    for (const s of seen) assert.ok(same(s, old) || same(s, now), `a reader saw a mix: ${[...s.keys()].join(', ')}`);

    // the old folder, whole, in the trash
    const trashDays = await readdir(path.join(t.config.storageRoot, '.d011dl', 'trash'));
    assert.equal(trashDays.length, 1);
    const trashed = path.join(t.config.storageRoot, '.d011dl', 'trash', trashDays[0]!, 'acme', 'tiny-model');
    const [folder] = await readdir(trashed);
    assert.ok(same((await snapshot(path.join(trashed, folder!)))!, old));

    // the catalog holds the new commit and its files
    const m = (await t.app.inject({ url: `/db/models?author=acme&repo=tiny-model&revision=main`, headers: bearer(token) })).json()[0];
    assert.equal(m.commit_sha, head);
    assert.equal(m.is_downloaded, true);
    const files = (await t.app.inject({ url: `/db/models/${modelId}/files`, headers: bearer(token) })).json().files;
    const expected = await sim.expectedFiles(REPO, 'main');
    assert.deepEqual(
      files.map((f: { path: string }) => f.path),
      expected.map((f) => f.path),
    );
    assert.ok(files.every((f: { status: string }) => f.status === 'done'));
    assert.equal(files.find((f: { path: string }) => f.path === 'model.safetensors').linked_from, null, 'an unchanged file keeps its history');
    const listed = (await t.app.inject({ url: '/db/models?author=acme&repo=tiny-model', headers: bearer(token) })).json();
    assert.equal(listed.length, 2, 'no staging entry shows in the catalog');
  });
});
