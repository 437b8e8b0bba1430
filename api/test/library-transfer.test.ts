// Move and copy of a revision between storage roots (issue 14): real PostgreSQL, the Hub simulator for the
// first download, real folders (and, as root, real tmpfs mounts) as roots. The kill -9 mid-move is in
// library-transfer-kill.test.ts.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startHubSim, type HubSim } from '@d011dl/hubsim';
import { partialPath } from '../src/engine/sidecar.ts';
import { bearer, registerAndLogin, startTestApp, type TestApp } from './helpers/app.ts';
import { assertFilesExact, waitForStatus } from './helpers/downloads.ts';
import { LIBRARY_REPOS, MiB, sizeOf, tryMount, walk } from './helpers/library.ts';

describe('move and copy between storage roots', () => {
  let sim: HubSim;
  let t: TestApp;
  let admin: string;
  let user: string;
  let base: string;
  const roots: Record<string, string> = {};
  let tinyMounted = false;
  let archMounted = false;
  let sourceId: string;
  let firstDownload: string;

  before(async () => {
    sim = await startHubSim({ catalog: LIBRARY_REPOS });
    base = await mkdtemp(path.join(os.tmpdir(), 'd011dl-transfer-'));
    for (const name of ['fast', 'nas', 'cold', 'tiny', 'arch']) await mkdir((roots[name] = path.join(base, name)));
    // a 1 MiB file system for "not enough space" and then "not mounted" (needs root, as CI has)
    tinyMounted = tryMount(roots.tiny!, '1m');
    // an archive that is mounted read-only once filled
    archMounted = tryMount(roots.arch!, '16m');
    t = await startTestApp({
      HF_ENDPOINT: sim.url,
      STORAGE_ROOTS: ['fast', 'nas', 'cold', 'tiny', 'arch'].map((n) => `${n}=${roots[n]}`).join(','),
      // a copy takes seconds, so a cancel lands in the middle of one
      COPY_MAX_MBPS: '3',
      DISK_RESERVE_MB: '0',
    });
    roots.default = t.config.storageRoot;
    admin = (await registerAndLogin(t.app)).token;
    const made = await t.app.inject({ method: 'POST', url: '/admin/users', headers: bearer(admin), payload: { username: 'bob', password: 'bob-password-1' } });
    assert.equal(made.statusCode, 201, made.body);
    user = (await t.app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'bob', password: 'bob-password-1' } })).json().token;
    const created = await post(admin, '/downloads', { author: 'acme', repo: 'lib', revision: 'main' });
    assert.equal(created.statusCode, 202, created.body);
    firstDownload = created.json().download_id;
    assert.equal((await waitForStatus(t.app, admin, firstDownload, ['succeeded', 'failed'])).status, 'succeeded');
    sourceId = (await get(admin, '/db/models?author=acme&repo=lib')).json()[0].id;
  });
  after(async () => {
    await t.close();
    await sim.close();
    if (tinyMounted) execFileSync('umount', [roots.tiny!], { stdio: 'ignore' });
    if (archMounted) execFileSync('umount', [roots.arch!], { stdio: 'ignore' });
    await rm(base, { recursive: true, force: true });
  });
  const get = (token: string, url: string) => t.app.inject({ url, headers: bearer(token) });
  const post = (token: string, url: string, payload: object) => t.app.inject({ method: 'POST', url, payload, headers: bearer(token) });
  const entries = async () =>
    Object.fromEntries(((await get(admin, '/db/models?author=acme&repo=lib')).json() as Array<{ storage: string }>).map((m) => [m.storage, m])) as Record<
      string,
      any
    >;

  it('refuses, before writing anything: unknown root, same root, a move by a non-administrator, an unknown model', async () => {
    let res = await post(user, `/db/models/${sourceId}/copy`, { to: 'nowhere' });
    assert.equal(res.statusCode, 404, res.body);
    assert.match(res.json().message, /no storage root named "nowhere"; the roots are: default, fast, nas, cold, tiny, arch/);
    res = await post(user, `/db/models/${sourceId}/copy`, { to: 'default' });
    assert.equal(res.statusCode, 409, res.body);
    assert.equal(res.json().error, 'SameStorage');
    res = await post(user, `/db/models/${sourceId}/move`, { to: 'fast' });
    assert.equal(res.statusCode, 403, res.body);
    assert.match(res.json().message, /Only administrators can move/);
    res = await post(admin, '/db/models/00000000-0000-4000-8000-000000000000/copy', { to: 'fast' });
    assert.equal(res.statusCode, 404, res.body);
    assert.deepEqual(Object.keys(await entries()), ['default']);
  });

  it('refuses a revision that is not completely downloaded, naming the files', async () => {
    const d = (await post(admin, '/downloads', { author: 'acme', repo: 'other', revision: 'main' })).json().download_id;
    assert.equal((await waitForStatus(t.app, admin, d, ['succeeded', 'failed'])).status, 'succeeded');
    await rm(path.join(roots.default!, 'acme', 'other', 'main', 'b.txt'));
    const other = (await get(admin, '/db/models?author=acme&repo=other')).json()[0].id;
    assert.equal((await post(admin, '/db/mark-missing', { model_id: other })).json().marked_failed, 1);
    const res = await post(user, `/db/models/${other}/copy`, { to: 'fast' });
    assert.equal(res.statusCode, 409, res.body);
    assert.equal(res.json().error, 'NotDownloaded');
    assert.match(res.json().message, /1 of 2 files of acme\/other@main are not done: b\.txt \(failed\)/);
    assert.deepEqual(await walk(path.join(roots.fast!, 'acme')), []);
  });

  it('a target without the space is refused with 507 before anything is copied', async (ctx) => {
    if (!tinyMounted) return ctx.skip('cannot mount a tmpfs here (needs root)');
    const jobs = (await get(admin, '/downloads?all=true')).json().downloads.length;
    const res = await post(admin, `/db/models/${sourceId}/copy`, { to: 'tiny' });
    assert.equal(res.statusCode, 507, res.body);
    assert.match(res.json().message, /^Not enough free space: 12\.\d MB needed/);
    assert.deepEqual(await readdir(roots.tiny!), ['.d011dl'], 'nothing written to the target');
    assert.deepEqual(Object.keys(await entries()), ['default']);
    assert.equal((await get(admin, '/downloads?all=true')).json().downloads.length, jobs, 'no job');
  });

  it('a target root that is not mounted is refused with 503', async () => {
    if (tinyMounted) {
      execFileSync('umount', [roots.tiny!]);
      tinyMounted = false;
    } else {
      // without root: the empty mount point of an unmounted disk lacks the marker just the same
      await rm(path.join(roots.tiny!, '.d011dl'), { recursive: true });
    }
    const res = await post(admin, `/db/models/${sourceId}/move`, { to: 'tiny' });
    assert.equal(res.statusCode, 503, res.body);
    assert.match(res.json().message, /^storage not mounted: .*tiny lacks the marker/);
    assert.deepEqual(await readdir(roots.tiny!), [], 'nothing written to the empty mount point');
  });

  it('a copy (any user) makes a second catalog entry on the target, byte-exact, as a job', async () => {
    const res = await post(user, `/db/models/${sourceId}/copy`, { to: 'fast' });
    assert.equal(res.statusCode, 202, res.body);
    const { download_id: id, model_id: target, status } = res.json();
    assert.equal(status, 'queued');
    const done = await waitForStatus(t.app, user, id, ['succeeded', 'failed']);
    assert.equal(done.status, 'succeeded', done.log);
    assert.equal(done.kind, 'copy');
    assert.equal(done.storage, 'fast');
    assert.equal(done.model_id, target);
    assert.equal(done.source_model_id, sourceId);
    assert.equal(done.files_done, 5);
    assert.equal(done.local_path, path.join(roots.fast!, 'acme', 'lib', 'main'));
    await assertFilesExact(sim, roots.fast!, 'acme/lib', 'main', 'main');
    await assertFilesExact(sim, roots.default!, 'acme/lib', 'main', 'main');
    assert.ok(!(await walk(roots.fast!)).some((f) => f.includes('d011dl-partial')), 'no partial left');
    const m = await entries();
    assert.deepEqual(Object.keys(m).sort(), ['default', 'fast']);
    assert.equal(m.fast.id, target);
    assert.equal(m.fast.is_downloaded, true);
    assert.equal(m.fast.files_done, 5);
    assert.equal(m.fast.bytes_done, m.default.bytes_done);
    assert.equal(m.fast.commit_sha, m.default.commit_sha);
    const files = (await get(user, `/db/models/${target}/files`)).json().files;
    assert.ok(files.every((f: { status: string }) => f.status === 'done'));
    // the same again: the target holds it already
    const again = await post(user, `/db/models/${sourceId}/copy`, { to: 'fast' });
    assert.equal(again.statusCode, 409, again.body);
    assert.equal(again.json().error, 'AlreadyThere');
  });

  it('cancel mid-copy keeps the partial; a second job on the source is refused meanwhile; retry resumes it', async () => {
    const fast = (await entries()).fast.id;
    const res = await post(admin, `/db/models/${fast}/copy`, { to: 'nas' });
    assert.equal(res.statusCode, 202, res.body);
    const id = res.json().download_id;
    const partial = partialPath(path.join(roots.nas!, 'acme', 'lib', 'main', 'weights', 'big.bin'));
    for (let i = 0; (await sizeOf(partial)) <= MiB; i++) {
      assert.ok(i < 600, 'the copy never started');
      await new Promise((r) => setTimeout(r, 50));
    }
    const busy = await post(admin, `/db/models/${fast}/move`, { to: 'cold' });
    assert.equal(busy.statusCode, 409, busy.body);
    assert.equal(busy.json().error, 'JobRunning');
    assert.equal((await post(admin, `/downloads/${id}/cancel`, {})).statusCode, 200);
    const canceled = await waitForStatus(t.app, admin, id, ['canceled']);
    // the job has stopped once its log says so (the status is set by the cancel itself)
    for (let i = 0; !(await get(admin, `/downloads/${id}`)).json().log.includes('canceled'); i++) {
      assert.ok(i < 300, 'the job never stopped');
      await new Promise((r) => setTimeout(r, 100));
    }
    const kept = (await stat(partial)).size;
    assert.ok(kept > 0 && kept < 12 * MiB, `partial of ${kept} bytes kept`);
    assert.equal(canceled.kind, 'copy');
    assert.equal((await entries()).nas.is_downloaded, false, 'the catalog does not claim the half copy');

    assert.equal((await post(admin, `/downloads/${id}/retry`, {})).statusCode, 200);
    const done = await waitForStatus(t.app, admin, id, ['succeeded', 'failed']);
    assert.equal(done.status, 'succeeded', done.log);
    const resumed = /resumed weights\/big\.bin from (\d+) bytes/.exec(done.log);
    assert.ok(resumed && Number(resumed[1]) > 0, done.log);
    await assertFilesExact(sim, roots.nas!, 'acme/lib', 'main', 'main');
    assert.equal((await entries()).nas.is_downloaded, true);
  });

  it('a copy reads from a root mounted read-only; a move from it is refused', async (ctx) => {
    if (!archMounted) return ctx.skip('cannot mount a tmpfs here (needs root)');
    const d = (await post(admin, '/downloads', { author: 'acme', repo: 'arch', revision: 'main', storage: 'arch' })).json().download_id;
    assert.equal((await waitForStatus(t.app, admin, d, ['succeeded', 'failed'])).status, 'succeeded');
    const arch = (await get(admin, '/db/models?author=acme&repo=arch')).json()[0].id;
    execFileSync('mount', ['-o', 'remount,ro', roots.arch!]);
    try {
      const move = await post(admin, `/db/models/${arch}/move`, { to: 'fast' });
      assert.equal(move.statusCode, 503, move.body);
      assert.equal(move.json().error, 'StorageReadOnly');
      assert.match(move.json().message, /^storage is read-only/);
      const copy = await post(user, `/db/models/${arch}/copy`, { to: 'fast' });
      assert.equal(copy.statusCode, 202, copy.body);
      const done = await waitForStatus(t.app, user, copy.json().download_id, ['succeeded', 'failed']);
      assert.equal(done.status, 'succeeded', done.log);
    } finally {
      execFileSync('mount', ['-o', 'remount,rw', roots.arch!]);
    }
    await assertFilesExact(sim, roots.fast!, 'acme/arch', 'main', 'main');
    await assertFilesExact(sim, roots.arch!, 'acme/arch', 'main', 'main');
  });

  it('a move (administrator) ends byte-exact on the target and absent from the source, history kept', async () => {
    // as if an attempt had renamed one file and died before recording it: the move takes it as it is
    // on the target once it verifies
    const moved = ['acme', 'lib', 'main', 'weights', 'small.bin'];
    await mkdir(path.join(roots.cold!, ...moved.slice(0, -1)), { recursive: true });
    await rename(path.join(roots.default!, ...moved), path.join(roots.cold!, ...moved));
    const res = await post(admin, `/db/models/${sourceId}/move`, { to: 'cold' });
    assert.equal(res.statusCode, 202, res.body);
    const done = await waitForStatus(t.app, admin, res.json().download_id, ['succeeded', 'failed']);
    assert.equal(done.status, 'succeeded', done.log);
    assert.equal(done.kind, 'move');
    // both roots are on one file system here: the files were renamed, not copied
    assert.match(done.log, /started: move from "default" to "cold": 5 of 5 files to rename \(one file system\)/);
    await assertFilesExact(sim, roots.cold!, 'acme/lib', 'main', 'main');
    assert.ok(!existsSync(path.join(roots.default!, 'acme', 'lib')), 'the source folder is gone');
    assert.ok(existsSync(path.join(roots.default!, 'acme', 'other')), 'nothing else was touched');
    const m = await entries();
    assert.deepEqual(Object.keys(m).sort(), ['cold', 'fast', 'nas']);
    assert.equal(m.cold.is_downloaded, true);
    assert.equal((await get(admin, `/db/models/${sourceId}/files`)).statusCode, 404);
    // the revision's download follows it to where its files are now
    const first = (await get(admin, `/downloads/${firstDownload}`)).json();
    assert.equal(first.storage, 'cold');
    assert.equal(first.model_id, m.cold.id);
  });
});
