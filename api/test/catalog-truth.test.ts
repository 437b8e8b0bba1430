// The catalog tells the truth (issue 13): live counts while a job runs and after a rescan, the file
// list, display paths under STORAGE_DISPLAY_ROOT, the gated badge's data, and messages in words.
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startHubSim, type HubSim } from '@d011dl/hubsim';
import { displayPath } from '../src/storage/display-path.ts';
import { bearer, registerAndLogin, startTestApp, type TestApp } from './helpers/app.ts';
import { waitForStatus } from './helpers/downloads.ts';

const until = async <T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 60_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  let last = await probe();
  while (!ok(last)) {
    if (Date.now() > deadline) throw new Error(`${what}: last seen ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
    last = await probe();
  }
  return last;
};

describe('catalog counts, display paths, repo info and messages', () => {
  let sim: HubSim;
  let t: TestApp;
  let token: string;
  before(async () => {
    sim = await startHubSim();
    t = await startTestApp({ HF_ENDPOINT: sim.url, HF_TOKEN: 'hf_bob_token', STORAGE_DISPLAY_ROOT: '\\\\nas\\models' });
    token = (await registerAndLogin(t.app)).token;
  });
  after(async () => {
    await t?.close();
    await sim?.close();
  });
  const post = (url: string, payload: object) => t.app.inject({ method: 'POST', url, payload, headers: bearer(token) });
  const get = (url: string) => t.app.inject({ url, headers: bearer(token) });
  const model = async (revision: string) => (await get(`/db/models?author=acme&repo=tiny-model&revision=${encodeURIComponent(revision)}`)).json()[0];

  it('counts tracked, done and downloading files while a job runs, and bytes on disk', async () => {
    // the big file crawls; the small ones finish at once
    sim.faults.set({ bandwidthPerConn: 64 * 1024 });
    try {
      const res = await post('/downloads', { author: 'acme', repo: 'tiny-model', revision: 'v1.0' });
      assert.equal(res.statusCode, 202, res.body);
      const id = res.json().download_id as string;
      const total = res.json().files_total as number;
      // the model and its file list, read together until both show the moment: on a loaded machine a
      // connection of the crawling file can restart between two separate reads
      type FileRow = { path: string; status: string; bytes_done: number; size_bytes: number };
      const { m, files } = await until(
        'some files done while the big one is downloading',
        async () => {
          const m = await model('v1.0');
          return { m, files: m ? ((await get(`/db/models/${m.id}/files`)).json().files as FileRow[]) : [] };
        },
        ({ m, files }) => {
          const big = files.find((f) => f.path === 'model.safetensors');
          return m && m.files_done >= 1 && m.files_downloading >= 1 && m.bytes_on_disk > m.bytes_done && big?.status === 'downloading' && big.bytes_done > 0;
        },
      );
      assert.equal(m.files_tracked, total, 'every selected file is tracked from the start');
      assert.ok(m.files_done + m.files_downloading <= total);
      assert.equal(m.files_failed, 0);
      assert.ok(m.bytes_tracked >= m.bytes_on_disk);
      assert.equal(m.is_downloaded, false);
      assert.equal(files.length, total);
      const big = files.find((f) => f.path === 'model.safetensors')!;
      assert.ok(big.bytes_done > 0 && big.bytes_done < big.size_bytes, `partial bytes shown (${big.bytes_done} of ${big.size_bytes})`);
      sim.faults.reset();
      assert.equal((await waitForStatus(t.app, token, id, ['succeeded', 'failed'])).status, 'succeeded');
      const done = await model('v1.0');
      assert.deepEqual([done.files_done, done.files_tracked, done.files_downloading, done.file_count], [total, total, 0, total]);
      assert.equal(done.bytes_on_disk, done.bytes_tracked);
      assert.equal(done.bytes_done, done.total_size_bytes);
    } finally {
      sim.faults.reset();
    }
  });

  it('after a rescan finds a file missing, still tracks it: done drops by one, the file says why', async () => {
    const before = await model('v1.0');
    await rm(path.join(t.config.storageRoot, 'acme', 'tiny-model', 'v1.0', 'config.json'));
    const scan = await post('/db/rescan', { model_id: before.id });
    assert.equal(scan.statusCode, 200, scan.body);
    assert.equal(scan.json().missing, 1);
    const after = await model('v1.0');
    assert.equal(after.files_tracked, before.files_tracked, 'the missing file is still tracked (not "0/0 files")');
    assert.equal(after.files_done, before.files_done - 1);
    assert.ok(after.bytes_on_disk < before.bytes_on_disk && after.bytes_on_disk > 0);
    const file = (await get(`/db/models/${before.id}/files`)).json().files.find((f: { path: string }) => f.path === 'config.json');
    assert.equal(file.status, 'pending');
    assert.match(file.error, /not on disk/);
  });

  it('gives display_path under STORAGE_DISPLAY_ROOT on models and downloads; local_path unchanged', async () => {
    const m = await model('v1.0');
    assert.equal(m.local_path, path.join(t.config.storageRoot, 'acme', 'tiny-model', 'v1.0'));
    assert.equal(m.display_path, '\\\\nas\\models\\acme\\tiny-model\\v1.0');
    const d = (await get('/downloads')).json().downloads[0];
    assert.equal(d.display_path, '\\\\nas\\models\\acme\\tiny-model\\v1.0');
    assert.equal(d.local_path, m.local_path);
    assert.equal(displayPath('/srv/models/a/b/refs%2Fpr%2F1', '/srv/models', '/Volumes/models/'), '/Volumes/models/a/b/refs%2Fpr%2F1');
    assert.equal(displayPath('/srv/models/a/b/main', '/srv/models', null), '/srv/models/a/b/main');
    assert.equal(displayPath('/elsewhere/x', '/srv/models', '/Volumes/models'), '/elsewhere/x', 'a path outside the root is not rewritten');
  });

  it('a finished selection is refused in words that name the way out', async () => {
    const res = await post('/downloads', { author: 'acme', repo: 'tiny-model', revision: 'dev', selection: [{ path: 'config.json', type: 'file' }] });
    assert.equal(res.statusCode, 202, res.body);
    await waitForStatus(t.app, token, res.json().download_id, ['succeeded']);
    const again = await post('/downloads', { author: 'acme', repo: 'tiny-model', revision: 'dev', selection: [{ path: 'config.json', type: 'file' }] });
    assert.equal(again.statusCode, 409);
    assert.equal(again.json().error, 'AlreadyDownloaded');
    assert.match(again.json().message, /already downloaded.*"Verify and re-download" to check every file on disk and fetch again any that differ\.$/);
    assert.doesNotMatch(again.json().message, /force/, 'no API field names in the message');
    assert.deepEqual(again.json().retry_with, { force: true }, 'the machine-readable way out');
  });

  it('says which field is wrong in words, item numbers counted from 1; details keep the machine path', async () => {
    const res = await post('/downloads', { author: 'acme', repo: 'tiny-model', selection: [{ path: 'a.txt', type: 'file' }, { type: 'file' }] });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().message, 'Selection item 2 path is required');
    assert.deepEqual(res.json().details, [{ path: 'body.selection.1.path', message: 'is required' }]);
    const kind = await post('/downloads', { author: 'acme', repo: 'tiny-model', selection: [{ path: 'a.txt', type: 'folder' }] });
    assert.equal(kind.json().message, 'Selection item 1 type must be one of file, dir');
    const force = await post('/downloads', { author: 'acme', repo: 'tiny-model', force: 'yes' });
    assert.equal(force.json().message, 'Force must be true or false');
    const q = await get('/db/models?downloaded=maybe');
    assert.equal(q.json().message, 'Downloaded must be one of true, false');
  });

  it('repo-info: a gated repo says so, with the request page, before any download', async () => {
    const gated = await get('/hf/repo-info?author=acme&repo=gated-model');
    assert.equal(gated.statusCode, 200, gated.body);
    assert.deepEqual(gated.json(), {
      author: 'acme',
      repo: 'gated-model',
      gated: 'manual',
      private: false,
      access: 'needs-request',
      request_url: `${sim.url}/acme/gated-model`,
      token: { owner: 'server', hub_user: null },
    });
    const open = (await get('/hf/repo-info?author=acme&repo=tiny-model')).json();
    assert.deepEqual([open.gated, open.access, open.request_url], [false, 'granted', null]);
    assert.equal((await get('/hf/repo-info?author=acme&repo=nope')).statusCode, 404);
    assert.equal((await get('/hf/repo-info?author=acme')).json().message, 'Repo is required');
  });
});

describe('repo-info with an approved token', () => {
  it('says access is granted', async () => {
    const sim = await startHubSim();
    const t = await startTestApp({ HF_ENDPOINT: sim.url, HF_TOKEN: 'hf_alice_token' });
    try {
      const token = (await registerAndLogin(t.app)).token;
      const res = await t.app.inject({ url: '/hf/repo-info?author=acme&repo=gated-model', headers: bearer(token) });
      assert.deepEqual([res.json().gated, res.json().access], ['manual', 'granted']);
    } finally {
      await t.close();
      await sim.close();
    }
  });
});
