// Deleting revisions and files (issue 14): what is freed is measured on the filesystem, the folders that
// are left empty go, other revisions stay exact, a running job or a linked folder refuses the delete.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, statfs, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startHubSim, type HubSim } from '@d011dl/hubsim';
import { bearer, registerAndLogin, startTestApp, type TestApp } from './helpers/app.ts';
import { adminQuery } from './helpers/db.ts';
import { assertFilesExact, waitForStatus } from './helpers/downloads.ts';

// A tmpfs of its own gives free space that only this test changes (needs root, as CI has); elsewhere
// the second root is a plain folder and the free-space comparison is skipped with a message.
function mountTmpfs(dir: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const freeBytes = async (p: string) => {
  const s = await statfs(p);
  return s.bavail * s.bsize;
};

describe('library: delete', () => {
  let sim: HubSim;
  let t: TestApp;
  let admin: string;
  let user: string;
  let base: string;
  let fast: string;
  let mounted = false;
  before(async () => {
    sim = await startHubSim();
    base = await mkdtemp(path.join(os.tmpdir(), 'd011dl-del-'));
    fast = path.join(base, 'fast');
    await mkdir(fast);
    mounted = mountTmpfs(fast);
    // main and dev share files: with de-duplication they would share inodes, and a delete frees only what
    // is not shared (api/test/library-dedup.test.ts); here each revision's bytes are its own
    t = await startTestApp({ HF_ENDPOINT: sim.url, STORAGE_ROOTS: `fast=${fast}`, DISK_RESERVE_MB: '1', DEDUP: 'off' });
    admin = (await registerAndLogin(t.app)).token;
    const created = await t.app.inject({
      method: 'POST',
      url: '/admin/users',
      payload: { username: 'bob', password: 'another good password' },
      headers: bearer(admin),
    });
    assert.equal(created.statusCode, 201, created.body);
    const login = await t.app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'bob', password: 'another good password' } });
    user = login.json().token;
  });
  after(async () => {
    sim.faults.reset();
    await t.close();
    await sim.close();
    if (mounted) execFileSync('umount', [fast], { stdio: 'ignore' });
    await rm(base, { recursive: true, force: true });
  });
  const call = (method: 'GET' | 'POST' | 'DELETE', url: string, token: string, payload?: object) =>
    t.app.inject({ method, url, headers: bearer(token), ...(payload ? { payload } : {}) });
  const download = async (body: object): Promise<string> => {
    const res = await call('POST', '/downloads', admin, body);
    assert.equal(res.statusCode, 202, res.body);
    return res.json().download_id;
  };
  const modelOf = async (storage: string, revision: string) =>
    (await call('GET', `/db/models?author=acme&repo=tiny-model&storage=${storage}`, admin)).json().find((m: { revision: string }) => m.revision === revision);

  it('frees exactly the revision bytes, removes emptied folders and leaves the other revision exact', async (ctx) => {
    for (const revision of ['main', 'dev']) {
      const id = await download({ author: 'acme', repo: 'tiny-model', revision, storage: 'fast' });
      assert.equal((await waitForStatus(t.app, admin, id, ['succeeded', 'failed'])).status, 'succeeded');
    }
    const main = await modelOf('fast', 'main');
    const files = (await call('GET', `/db/models/${main.id}/files`, admin)).json().files as Array<{ size_bytes: number }>;
    const sum = files.reduce((a, f) => a + f.size_bytes, 0);
    const before = await freeBytes(fast);
    const res = await call('DELETE', `/db/models/${main.id}`, admin);
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), { deleted_files: files.length, freed_bytes: sum });
    const freed = (await freeBytes(fast)) - before;
    if (mounted) {
      // tmpfs hands back whole pages: each file's last page and the emptied folders, nothing else
      assert.ok(freed >= sum && freed <= sum + (files.length + 8) * 4096, `statfs freed ${freed}, the files were ${sum}`);
    } else ctx.diagnostic('free-space comparison skipped: mounting a tmpfs needs root');
    assert.ok(!existsSync(path.join(fast, 'acme/tiny-model/main')), 'the revision folder is gone');
    assert.equal(await modelOf('fast', 'main'), undefined, 'the catalog entry is gone');
    await assertFilesExact(sim, fast, 'acme/tiny-model', 'dev', 'dev');

    const dev = await modelOf('fast', 'dev');
    assert.equal((await call('DELETE', `/db/models/${dev.id}`, admin)).statusCode, 200);
    assert.deepEqual(await readdir(fast), ['.d011dl'], 'the emptied author and repo folders are gone; the root and its marker stay');
  });

  it('refuses while a job runs on the revision (409, naming the job), then deletes its partial files too', async () => {
    sim.faults.set({ bandwidthPerConn: 64 * 1024 });
    const id = await download({
      author: 'acme',
      repo: 'tiny-model',
      revision: 'feature/x',
      storage: 'fast',
      selection: [{ path: 'model.safetensors', type: 'file' }],
    });
    await waitForStatus(t.app, admin, id, ['running']);
    const m = await modelOf('fast', 'feature/x');
    const res = await call('DELETE', `/db/models/${m.id}`, admin);
    assert.equal(res.statusCode, 409, res.body);
    assert.equal(res.json().error, 'JobActive');
    assert.match(res.json().message, new RegExp(`acme/tiny-model@feature/x on "fast" cannot be deleted while a download job \\(${id}\\) is (running|queued)`));
    assert.equal((await call('POST', `/downloads/${id}/cancel`, admin, {})).statusCode, 200);
    // the runner stops on its own time and then logs it
    let d = (await call('GET', `/downloads/${id}`, admin)).json();
    for (let i = 0; i < 300 && !/canceled/.test(d.log ?? ''); i++) {
      await new Promise((r) => setTimeout(r, 100));
      d = (await call('GET', `/downloads/${id}`, admin)).json();
    }
    sim.faults.reset();
    const done = await call('DELETE', `/db/models/${m.id}`, admin);
    assert.equal(done.statusCode, 200, done.body);
    assert.ok(!existsSync(path.join(fast, 'acme/tiny-model/feature%2Fx')), 'the partial file and its folder are gone');
  });

  it('is for administrators only (403), and says when the id is unknown (404)', async () => {
    const id = await download({ author: 'acme', repo: 'tiny-model', revision: 'main' });
    assert.equal((await waitForStatus(t.app, admin, id, ['succeeded', 'failed'])).status, 'succeeded');
    const m = await modelOf('default', 'main');
    const refused = await call('DELETE', `/db/models/${m.id}`, user);
    assert.equal(refused.statusCode, 403, refused.body);
    assert.equal((await call('DELETE', `/db/models/${m.id}/files`, user, { paths: ['README.md'] })).statusCode, 403);
    assert.ok(existsSync(path.join(t.config.storageRoot, 'acme/tiny-model/main/README.md')));
    const unknown = await call('DELETE', '/db/models/00000000-0000-4000-8000-000000000000', admin);
    assert.equal(unknown.statusCode, 404);
    assert.match(unknown.json().message, /No model with id/);
  });

  it('deletes chosen files: their rows go, the totals follow, an emptied folder goes', async () => {
    const m = await modelOf('default', 'main');
    const dir = path.join(t.config.storageRoot, 'acme/tiny-model/main');
    const res = await call('DELETE', `/db/models/${m.id}/files`, admin, { paths: ['with space/file name.txt', 'config.json'] });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().deleted_files, 2);
    assert.ok(!existsSync(path.join(dir, 'with space')), 'the emptied folder is gone');
    assert.ok(!existsSync(path.join(dir, 'config.json')));
    assert.ok(existsSync(path.join(dir, 'README.md')), 'the other files stay');
    const after = await modelOf('default', 'main');
    assert.equal(after.files_tracked, m.files_tracked - 2);
    assert.equal(after.file_count, m.file_count - 2);
    const paths = (await call('GET', `/db/models/${m.id}/files`, admin)).json().files.map((f: { path: string }) => f.path);
    assert.ok(!paths.includes('config.json'));
    const unknown = await call('DELETE', `/db/models/${m.id}/files`, admin, { paths: ['not-there.bin'] });
    assert.equal(unknown.statusCode, 404);
    assert.match(unknown.json().message, /Not files of acme\/tiny-model@main on "default": not-there.bin/);
  });

  it('refuses a revision folder that is a symbolic link, and touches nothing outside', async () => {
    const m = await modelOf('default', 'main');
    const dir = path.join(t.config.storageRoot, 'acme/tiny-model/main');
    const outside = path.join(base, 'outside');
    await rename(dir, outside);
    await symlink(outside, dir);
    const before = (await readdir(outside, { recursive: true })).sort();
    const res = await call('DELETE', `/db/models/${m.id}`, admin);
    assert.equal(res.statusCode, 409, res.body);
    assert.equal(res.json().error, 'UnsafeStoragePath');
    assert.match(res.json().message, /is a symbolic link; D011DL does not follow links/);
    assert.deepEqual((await readdir(outside, { recursive: true })).sort(), before, 'nothing outside the storage is removed');
    assert.ok(await modelOf('default', 'main'), 'the catalog entry stays');
    await rm(dir);
    await rename(outside, dir);
  });

  it('a revision on a root no longer configured: its catalog entry goes, its files stay, the answer says so', async () => {
    const m = await modelOf('default', 'main');
    const kept = path.join(t.config.storageRoot, 'acme/tiny-model/main/README.md');
    await adminQuery("UPDATE models SET storage = 'gone' WHERE id = $1", [m.id], t.config.pg!.database);
    const res = await call('DELETE', `/db/models/${m.id}`, admin);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().deleted_files, 0);
    assert.match(res.json().note, /storage root "gone" is not configured any more .*: the revision left the catalog, the files were left on disk/);
    assert.ok(existsSync(kept));
  });
});
