// Knowing the NAS is there: the storage marker, an empty mount point (marker gone), a read-only mount,
// and a folder back on its parent's disk although it was a mount of its own.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rename, rm, rmdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startHubSim, type CatalogConfig, type HubSim } from '@d011dl/hubsim';
import { migrate } from '../src/db/migrate.ts';
import { createPool } from '../src/db/pool.ts';
import { createStorageGuard } from '../src/storage/storage-guard.ts';
import { bearer, registerAndLogin, startTestApp, type TestApp } from './helpers/app.ts';
import { createTestDatabase } from './helpers/db.ts';
import { assertFilesExact, waitForStatus } from './helpers/downloads.ts';

const KiB = 1024;
const catalog: CatalogConfig = {
  tokens: {},
  repos: [
    {
      id: 'acme/many',
      // a big file written from several connections as bytes arrive (so the pause finds it half done),
      // and small ones
      commits: [{ id: 'c1', files: { 'big.bin': { lfs: { size: 64 * 1024 * KiB } } }, generate: [{ count: 8, path: 'part-{i:2}.bin', lfsSize: 64 * KiB }] }],
      refs: { branches: { main: 'c1' } },
    },
  ],
};

describe('storage marker: an unmounted NAS', () => {
  let sim: HubSim;
  let t: TestApp;
  let token: string;
  let base: string;
  let nas: string;
  before(async () => {
    sim = await startHubSim({ catalog });
    base = await mkdtemp(path.join(os.tmpdir(), 'd011dl-nas-'));
    nas = path.join(base, 'nas');
    await mkdir(nas);
    // an explicit STORAGE_ROOT outside DATA_DIR, as a NAS mount is
    t = await startTestApp({ HF_ENDPOINT: sim.url, STORAGE_ROOT: nas });
    token = (await registerAndLogin(t.app)).token;
  });
  after(async () => {
    await t?.close();
    await sim?.close();
    await rm(base, { recursive: true, force: true });
  });
  const health = () => t.app.inject({ url: '/healthz' });

  it('the first start writes the marker and records it in the database', async () => {
    const marker = JSON.parse(await readFile(path.join(nas, '.d011dl', 'storage-id'), 'utf8'));
    assert.match(marker.storage_id, /^[0-9a-f-]{36}$/);
    assert.equal(marker.separate_mount, false);
    const pool = createPool(t.config.pg!, 1);
    try {
      const row = await pool.query('SELECT storage_id FROM storage');
      assert.equal(row.rows[0].storage_id, marker.storage_id);
    } finally {
      await pool.end();
    }
    assert.equal((await health()).statusCode, 200);
  });

  it('marker gone mid-download: 503 everywhere, the job pauses (queued, partials kept), nothing lands on the parent disk; it resumes once the storage is back', async () => {
    sim.faults.set({ bandwidthPerConn: 1024 * KiB });
    const res = await t.app.inject({ method: 'POST', url: '/downloads', payload: { author: 'acme', repo: 'many', revision: 'main' }, headers: bearer(token) });
    assert.equal(res.statusCode, 202, res.body);
    const id = res.json().download_id;
    const deadline = Date.now() + 60_000;
    for (let d = await waitForStatus(t.app, token, id, ['running']); d.bytes_done === 0 && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 50));
      d = (await t.app.inject({ url: `/downloads/${id}`, headers: bearer(token) })).json();
    }

    // the NAS goes away; its mount point is an empty folder on the local disk again
    await rename(nas, `${nas}-away`);
    await mkdir(nas);

    const paused = await waitForStatus(t.app, token, id, ['queued', 'failed', 'succeeded'], 120_000);
    assert.equal(paused.status, 'queued', JSON.stringify(paused));
    // the job may look in the instant between the two steps above, when the folder is missing
    assert.match(paused.log, /paused: (storage not mounted: .* lacks the marker \.d011dl\/storage-id|STORAGE_ROOT .* does not exist)/);
    assert.ok(paused.files_done < 9);
    const h = await health();
    assert.equal(h.statusCode, 503);
    assert.match(h.json().checks.storage.error, /^storage not mounted/);
    const again = await t.app.inject({
      method: 'POST',
      url: '/downloads',
      payload: { author: 'acme', repo: 'many', revision: 'main', force: true },
      headers: bearer(token),
    });
    assert.equal(again.statusCode, 503, again.body);
    assert.match(again.json().message, /storage not mounted/);
    // 'queued' is written once every file of the job has stopped: no write can still be under way
    assert.deepEqual(await readdir(nas, { recursive: true }), [], 'nothing written to the empty mount point');
    const kept = await readdir(path.join(`${nas}-away`, 'acme', 'many', 'main'));
    assert.ok(
      kept.some((f) => f.endsWith('.d011dl-partial')),
      'partial files kept on the storage',
    );

    // mounted again: the job is handed out again and finishes from its partial files
    sim.faults.reset();
    await rmdir(nas);
    await rename(`${nas}-away`, nas);
    assert.equal((await health()).statusCode, 200);
    const done = await waitForStatus(t.app, token, id, ['succeeded', 'failed'], 180_000);
    assert.equal(done.status, 'succeeded', JSON.stringify(done));
    await assertFilesExact(sim, nas, 'acme/many', 'main', 'main');
  });

  it('an initialised installation pointed at a new empty folder calls it not mounted, and writes nothing there', async () => {
    const empty = path.join(base, 'empty');
    await mkdir(empty);
    const pool = createPool(t.config.pg!, 1);
    const s = await createStorageGuard({ db: pool, root: { name: 'default', path: empty, displayRoot: null }, log: { info: () => {} } })
      .state()
      .finally(() => pool.end());
    assert.equal(s.ok, false);
    assert.match(!s.ok ? s.message : '', /storage not mounted/);
    assert.deepEqual(await readdir(empty), []);
  });

  it('a first start on an empty folder says (one log line) that it is initialising it', async () => {
    const db = await createTestDatabase();
    const pool = createPool(db.connection, 2);
    try {
      await migrate(pool);
      const fresh = path.join(base, 'fresh');
      await mkdir(fresh);
      const lines: string[] = [];
      const guard = createStorageGuard({ db: pool, root: { name: 'default', path: fresh, displayRoot: null }, log: { info: (m) => lines.push(m) } });
      assert.equal((await guard.state()).ok, true);
      assert.equal((await guard.state()).ok, true);
      assert.equal(lines.length, 1);
      assert.match(lines[0]!, /^initialising the storage at .*fresh: writing its marker \.d011dl\/storage-id/);
    } finally {
      await pool.end();
      await db.drop();
    }
  });
});

// Real mounts need root (CAP_SYS_ADMIN), as CI has; elsewhere this part is skipped with a message.
function canMount(dir: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('storage on a real mount: read-only, unmounted', () => {
  let t: TestApp | undefined;
  let token: string;
  let base: string;
  let mnt: string;
  let mounted = false;
  before(async () => {
    base = await mkdtemp(path.join(os.tmpdir(), 'd011dl-mnt-'));
    mnt = path.join(base, 'mnt');
    await mkdir(mnt);
    mounted = canMount(mnt);
    if (!mounted) return;
    t = await startTestApp({ STORAGE_ROOT: mnt });
    token = (await registerAndLogin(t.app)).token;
  });
  after(async () => {
    await t?.close();
    if (mounted) execFileSync('umount', [mnt], { stdio: 'ignore' });
    await rm(base, { recursive: true, force: true });
  });

  it('read-only storage: healthz 503 "storage is read-only", POST /downloads refused up front', async (ctx) => {
    if (!t) return ctx.skip('cannot mount a tmpfs here (needs root); run as root to test real mounts');
    const marker = JSON.parse(await readFile(path.join(mnt, '.d011dl', 'storage-id'), 'utf8'));
    assert.equal(marker.separate_mount, true, 'the marker knows it was a mount of its own');
    execFileSync('mount', ['-o', 'remount,ro', mnt]);
    try {
      const h = await t.app.inject({ url: '/healthz' });
      assert.equal(h.statusCode, 503);
      assert.match(h.json().checks.storage.error, /^storage is read-only/);
      const res = await t.app.inject({
        method: 'POST',
        url: '/downloads',
        payload: { author: 'acme', repo: 'tiny-model', revision: 'main' },
        headers: bearer(token),
      });
      assert.equal(res.statusCode, 503, res.body);
      assert.equal(res.json().error, 'StorageReadOnly');
      assert.match(res.json().message, /^storage is read-only/);
    } finally {
      execFileSync('mount', ['-o', 'remount,rw', mnt]);
    }
    assert.equal((await t.app.inject({ url: '/healthz' })).statusCode, 200);
  });

  it('unmounted: the empty mount point is "not mounted"; with a copied marker it is still on the parent\'s disk', async (ctx) => {
    if (!t) return ctx.skip('cannot mount a tmpfs here (needs root)');
    const copy = path.join(base, 'storage-id');
    await copyFile(path.join(mnt, '.d011dl', 'storage-id'), copy);
    execFileSync('umount', [mnt]);
    mounted = false;
    let h = await t.app.inject({ url: '/healthz' });
    assert.equal(h.statusCode, 503);
    assert.match(h.json().checks.storage.error, /^storage not mounted: .* lacks the marker/);
    assert.deepEqual(await readdir(mnt), [], 'the health check wrote nothing to the local disk');
    // someone copies the marker into the mount point: the device still gives it away
    await mkdir(path.join(mnt, '.d011dl'));
    await copyFile(copy, path.join(mnt, '.d011dl', 'storage-id'));
    h = await t.app.inject({ url: '/healthz' });
    assert.equal(h.statusCode, 503);
    assert.match(h.json().checks.storage.error, /storage not mounted: .* is on the same disk as its parent folder/);
  });
});
