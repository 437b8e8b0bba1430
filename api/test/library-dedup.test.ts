// De-duplication (DEDUP=auto): content already complete on the same root is hard-linked, not downloaded.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readFile, realpath, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startHubSim, type HubSim } from '@d011dl/hubsim';
import { createPool } from '../src/db/pool.ts';
import { copyVerified } from '../src/library/dedup.ts';
import { removeRevisionFiles } from '../src/library/remove-files.ts';
import { catalogRepository, type ModelFileRow } from '../src/catalog/catalog.repository.ts';
import { bearer, registerAndLogin, startTestApp } from './helpers/app.ts';
import { assertFilesExact, waitForStatus } from './helpers/downloads.ts';

const REPO = 'acme/tiny-model';
// file bodies the simulator sent (resolve answers and the CDN; redirects are not bodies), whatever the route
const fileBodies = (sim: HubSim) =>
  sim.stats.requests.filter(
    (r) =>
      r.method === 'GET' &&
      (r.status === 200 || r.status === 206) &&
      (r.server === 'cdn' || r.path.includes('/resolve/') || r.path.includes('/resolve-cache/')),
  );
const fileBytesServed = (sim: HubSim) => fileBodies(sim).reduce((n, r) => n + r.bytes, 0);

async function setup(env: Record<string, string> = {}) {
  const sim = await startHubSim();
  const t = await startTestApp({ HF_ENDPOINT: sim.url, ...env });
  const token = (await registerAndLogin(t.app)).token;
  const get = (url: string) => t.app.inject({ url, headers: bearer(token) });
  const download = async (revision: string) => {
    const res = await t.app.inject({ method: 'POST', url: '/downloads', headers: bearer(token), payload: { author: 'acme', repo: 'tiny-model', revision } });
    assert.equal(res.statusCode, 202, res.body);
    const d = await waitForStatus(t.app, token, res.json().download_id, ['succeeded', 'failed']);
    assert.equal(d.status, 'succeeded', d.log);
    return d;
  };
  const files = async (modelId: string) =>
    (await get(`/db/models/${modelId}/files`)).json().files as Array<{ path: string; status: string; linked_from: string | null }>;
  return {
    sim,
    t,
    token,
    download,
    files,
    close: async () => {
      await t.close();
      await sim.close();
    },
  };
}

describe('de-duplication (DEDUP=auto)', () => {
  let s: Awaited<ReturnType<typeof setup>>;
  before(async () => {
    s = await setup();
  });
  after(() => s.close());

  it('a tag of an already-downloaded commit fetches 0 bytes; its files are exact and say linked_from', async () => {
    const first = await s.download('v1.0');
    const sha = s.sim.commitSha(REPO, 'v1.0');
    s.sim.stats.reset();
    // the space check at POST /downloads knows all of it will be linked (on this root only)
    const targets = (await s.sim.expectedFiles(REPO, sha)).map((f) => ({ path: f.path, size: f.size, sha256: f.sha256 ?? null, gitOid: f.oid, isLfs: f.lfs }));
    const db = createPool(s.t.config.pg!, 1);
    try {
      assert.deepEqual(
        await catalogRepository.hasDoneCopies(db, 'default', targets),
        targets.map(() => true),
      );
      assert.deepEqual(
        await catalogRepository.hasDoneCopies(db, 'elsewhere', targets),
        targets.map(() => false),
      );
      const changed = { ...targets[0]!, gitOid: '0'.repeat(40), sha256: '0'.repeat(64) };
      assert.deepEqual(await catalogRepository.hasDoneCopies(db, 'default', [changed, { ...targets[0]!, size: targets[0]!.size + 1 }]), [false, false]);
    } finally {
      await db.end();
    }
    const second = await s.download(sha);
    assert.equal(fileBytesServed(s.sim), 0, 'no file body fetched from the Hub');
    const root = s.t.config.storageRoot;
    const n = await assertFilesExact(s.sim, root, REPO, sha, sha);
    assert.equal(second.files_done, n);
    assert.equal(second.bytes_done, second.bytes_total);
    const rows = await s.files(second.model_id);
    assert.equal(rows.length, n);
    for (const f of rows) assert.equal(f.linked_from, 'acme/tiny-model@v1.0', f.path);
    assert.match(second.log, /model\.safetensors: linked from acme\/tiny-model@v1\.0/);
    // a hard link: the same file, twice named
    const a = await stat(path.join(root, 'acme', 'tiny-model', 'v1.0', 'model.safetensors'));
    const b = await stat(path.join(root, 'acme', 'tiny-model', sha, 'model.safetensors'));
    assert.equal(a.ino, b.ino);
    assert.equal(b.nlink, 2);
    // the first revision's own rows are untouched
    assert.ok((await s.files(first.model_id)).every((f) => f.linked_from === null && f.status === 'done'));
  });

  it('an update fetches only the files that changed', async () => {
    await s.download('main');
    s.sim.stats.reset();
    const dev = await s.download('dev');
    const changed = (await s.sim.expectedFiles(REPO, 'dev')).filter((f) => f.path === 'config.json' || f.path === 'dev-only.txt');
    assert.equal(
      fileBytesServed(s.sim),
      changed.reduce((n, f) => n + f.size, 0),
    );
    assert.deepEqual(
      fileBodies(s.sim)
        .map((r) => r.path.split('/').pop())
        .sort(),
      ['config.json', 'dev-only.txt'],
    );
    await assertFilesExact(s.sim, s.t.config.storageRoot, REPO, 'dev', 'dev');
    const rows = await s.files(dev.model_id);
    assert.equal(rows.find((f) => f.path === 'config.json')?.linked_from, null);
    assert.ok(rows.find((f) => f.path === 'nested/deep/weights.bin')?.linked_from);
  });

  it("a symbolic link at the file's place is left alone, and that file fails", async () => {
    const dir = path.join(s.t.config.storageRoot, 'acme', 'tiny-model', 'feature%2Fx');
    const bait = path.join(s.t.dir, 'bait.txt');
    await writeFile(bait, 'not a model');
    await mkdir(dir, { recursive: true });
    await symlink(bait, path.join(dir, 'model.safetensors'));
    const res = await s.t.app.inject({
      method: 'POST',
      url: '/downloads',
      headers: bearer(s.token),
      payload: { author: 'acme', repo: 'tiny-model', revision: 'feature/x' },
    });
    assert.equal(res.statusCode, 202, res.body);
    const d = await waitForStatus(s.t.app, s.token, res.json().download_id, ['succeeded', 'failed']);
    assert.equal(d.status, 'failed');
    const row = (await s.files(d.model_id)).find((f) => f.path === 'model.safetensors')!;
    assert.equal(row.status, 'failed');
    assert.equal(row.linked_from, null);
    assert.ok((await lstat(path.join(dir, 'model.safetensors'))).isSymbolicLink());
    assert.equal(await readFile(bait, 'utf8'), 'not a model');
  });

  it('deleting the first revision folder leaves the linked one intact', async () => {
    const root = s.t.config.storageRoot;
    const sha = s.sim.commitSha(REPO, 'v1.0');
    const real = await realpath(root);
    const paths = (await s.sim.expectedFiles(REPO, 'v1.0')).map((f) => f.path);
    const removed = await removeRevisionFiles(real, path.join(real, 'acme', 'tiny-model', 'v1.0'), paths);
    assert.equal(removed.deleted, paths.length);
    // every file of v1.0 is still named by the other revision: nothing freed, nothing broken
    assert.equal(removed.freedBytes, 0);
    await assert.rejects(stat(path.join(root, 'acme', 'tiny-model', 'v1.0')), { code: 'ENOENT' });
    await assertFilesExact(s.sim, root, REPO, sha, sha);
  });
});

describe('de-duplication off (DEDUP=off)', () => {
  let s: Awaited<ReturnType<typeof setup>>;
  before(async () => {
    s = await setup({ DEDUP: 'off' });
  });
  after(() => s.close());

  it('downloads the same content again', async () => {
    await s.download('v1.0');
    const sha = s.sim.commitSha(REPO, 'v1.0');
    s.sim.stats.reset();
    const second = await s.download(sha);
    assert.ok(fileBytesServed(s.sim) >= second.bytes_total - 64, `fetched ${fileBytesServed(s.sim)} of ${second.bytes_total}`);
    assert.ok((await s.files(second.model_id)).every((f) => f.linked_from === null));
    const root = s.t.config.storageRoot;
    const a = await stat(path.join(root, 'acme', 'tiny-model', 'v1.0', 'model.safetensors'));
    const b = await stat(path.join(root, 'acme', 'tiny-model', sha, 'model.safetensors'));
    assert.notEqual(a.ino, b.ino);
  });
});

describe('the copy used where a filesystem refuses hard links', () => {
  it('copies and checks the hash; a wrong source leaves nothing behind', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'd011dl-dedup-copy-'));
    try {
      const body = Buffer.from('some model bytes\n'.repeat(1000));
      const src = path.join(dir, 'src.bin');
      await writeFile(src, body);
      const row = (sha256: string): ModelFileRow => ({
        id: '00000000-0000-0000-0000-000000000000',
        path: 'src.bin',
        size_bytes: body.length,
        sha256,
        git_oid: null,
        is_lfs: true,
        status: 'pending',
        bytes_done: 0,
        error: null,
        linked_from: null,
        updated_at: new Date(),
      });
      const good = createHash('sha256').update(body).digest('hex');
      assert.equal(await copyVerified(src, path.join(dir, 'a'), row(good)), null);
      assert.deepEqual(await readFile(path.join(dir, 'a')), body);
      assert.match((await copyVerified(src, path.join(dir, 'b'), row('0'.repeat(64)))) ?? '', /sha256 expected 0{64}/);
      await assert.rejects(stat(path.join(dir, 'b')), { code: 'ENOENT' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
