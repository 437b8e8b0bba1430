// Nothing is written outside the storage: links planted in it (by anyone with write access to the NAS
// share) are refused or removed, never followed; and every legal file name (up to 255 bytes) downloads.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startHubSim, type CatalogConfig, type HubSim } from '@d011dl/hubsim';
import { partialPath, sidecarPath } from '../src/engine/sidecar.ts';
import { bearer, registerAndLogin, startTestApp, type TestApp } from './helpers/app.ts';
import { assertFilesExact, waitForStatus } from './helpers/downloads.ts';

// 251 + ".bin": the longest name Linux file systems allow (NAME_MAX = 255 bytes)
const LONG = `${'n'.repeat(251)}.bin`;
const LONG_UTF8 = `${'é'.repeat(125)}.txt`; // 2 bytes each: 254 bytes

const catalog: CatalogConfig = {
  tokens: {},
  repos: [
    {
      id: 'acme/links',
      commits: [
        {
          id: 'c1',
          files: {
            'a.txt': 'alpha\n',
            'sub/b.txt': 'bravo\n',
            'big.bin': { lfs: { size: 300_000 } },
            [LONG]: { lfs: { size: 70_000 } },
            [LONG_UTF8]: 'long utf-8 name\n',
          },
        },
      ],
      refs: { branches: { main: 'c1', other: 'c1', third: 'c1', legacy: 'c1' } },
    },
  ],
};

describe('storage: symbolic links and long names', () => {
  let sim: HubSim;
  let t: TestApp;
  let token: string;
  let outside: string;
  const BAIT = 'outside the storage, must stay as it is\n';
  before(async () => {
    sim = await startHubSim({ catalog });
    // revisions of one repo here share content: de-duplication would link it rather than resume partials
    t = await startTestApp({ HF_ENDPOINT: sim.url, DEDUP: 'off' });
    token = (await registerAndLogin(t.app)).token;
    outside = await mkdtemp(path.join(os.tmpdir(), 'd011dl-outside-'));
  });
  after(async () => {
    await t.close();
    await sim.close();
    await rm(outside, { recursive: true, force: true });
  });
  const root = () => t.config.storageRoot;
  const revDir = (rev: string) => path.join(root(), 'acme', 'links', rev);
  const post = (payload: object) => t.app.inject({ method: 'POST', url: '/downloads', payload, headers: bearer(token) });
  const download = async (rev: string) => {
    const res = await post({ author: 'acme', repo: 'links', revision: rev });
    assert.equal(res.statusCode, 202, res.body);
    return waitForStatus(t.app, token, res.json().download_id, ['succeeded', 'failed']);
  };
  const bait = async (name: string) => {
    const file = path.join(outside, name);
    await writeFile(file, BAIT);
    return file;
  };

  it('a 255-byte file name (and a long UTF-8 one) downloads; the partial files have short names', async () => {
    const d = await download('main');
    assert.equal(d.status, 'succeeded', JSON.stringify(d));
    await assertFilesExact(sim, root(), 'acme/links', 'main', 'main');
    assert.equal(Buffer.byteLength(path.basename(partialPath(path.join(revDir('main'), LONG)))), 32);
    const left = (await readdir(revDir('main'), { recursive: true })).filter((f) => String(f).includes('partial'));
    assert.deepEqual(left, [], 'no partial files left');
  });

  it('a partial file that is a symlink to a file outside is removed, not written through', async () => {
    const target = await bait('victim.bin');
    const dest = path.join(revDir('other'), 'big.bin');
    await mkdir(revDir('other'), { recursive: true });
    await symlink(target, partialPath(dest));
    await symlink(await bait('victim.json'), sidecarPath(dest));
    const d = await download('other');
    assert.equal(d.status, 'succeeded', JSON.stringify(d));
    assert.equal(await readFile(target, 'utf8'), BAIT, 'the file outside is untouched');
    assert.equal(await readFile(path.join(outside, 'victim.json'), 'utf8'), BAIT);
    await assertFilesExact(sim, root(), 'acme/links', 'main', 'other');
    assert.ok((await lstat(dest)).isFile(), 'a real file at the final path');
  });

  it('a revision folder that is a symlink is refused up front with 409, nothing written outside', async () => {
    const elsewhere = path.join(outside, 'rev');
    await mkdir(elsewhere);
    await symlink(elsewhere, revDir('third'));
    const res = await post({ author: 'acme', repo: 'links', revision: 'third' });
    assert.equal(res.statusCode, 409, res.body);
    assert.equal(res.json().error, 'UnsafeStoragePath');
    assert.match(res.json().message, /third is a symbolic link; D011DL does not follow links inside the storage/);
    assert.deepEqual(await readdir(elsewhere), []);
  });

  it('a model folder that is a symlink is refused too', async () => {
    const elsewhere = path.join(outside, 'model');
    await mkdir(elsewhere);
    await mkdir(path.join(root(), 'evil'), { recursive: true });
    await symlink(elsewhere, path.join(root(), 'evil', 'links'));
    // the Hub is not even asked: no such repo there, yet the answer is about the storage
    const res = await t.app.inject({ method: 'POST', url: '/downloads', payload: { author: 'evil', repo: 'links', revision: 'main' }, headers: bearer(token) });
    assert.equal(res.statusCode, 409, res.body);
    assert.match(res.json().message, /evil\/links is a symbolic link/);
    assert.deepEqual(await readdir(elsewhere), []);
  });

  it('symlinks inside the model folder (a sub-folder, a final file) fail those files clearly; the rest downloads', async () => {
    const elsewhere = path.join(outside, 'sub');
    await mkdir(elsewhere);
    const target = await bait('a.txt');
    const dir = revDir('legacy');
    await mkdir(dir, { recursive: true });
    await symlink(elsewhere, path.join(dir, 'sub'));
    await symlink(target, path.join(dir, 'a.txt'));
    const d = await download('legacy');
    assert.equal(d.status, 'failed', JSON.stringify(d));
    assert.equal(d.files_failed, 2);
    const files = (await t.app.inject({ url: `/downloads/${d.id}/files`, headers: bearer(token) })).json().files as Array<{
      path: string;
      status: string;
      error: string | null;
    }>;
    const byPath = new Map(files.map((f) => [f.path, f]));
    assert.match(byPath.get('sub/b.txt')!.error!, /legacy\/sub is a symbolic link; D011DL does not follow links/);
    assert.match(byPath.get('a.txt')!.error!, /legacy\/a\.txt is a symbolic link/);
    assert.equal(byPath.get('big.bin')!.status, 'done');
    assert.deepEqual(await readdir(elsewhere), [], 'nothing created in the linked folder');
    assert.equal(await readFile(target, 'utf8'), BAIT);
    assert.ok((await lstat(path.join(dir, 'a.txt'))).isSymbolicLink(), "the user's link itself is left alone");
  });

  it('a partial left under the old name (<file>.partial + .partial.json) is adopted and resumed', async () => {
    await rm(revDir('legacy'), { recursive: true, force: true });
    await mkdir(revDir('legacy'), { recursive: true });
    const dest = path.join(revDir('legacy'), 'big.bin');
    const head = (await sim.fileBytes('acme/links', 'main', 'big.bin')).subarray(0, 100_000);
    await writeFile(`${dest}.partial`, head);
    await writeFile(
      `${dest}.partial.json`,
      JSON.stringify({
        v: 1,
        size: 300_000,
        sha256: (await sim.expectedFiles('acme/links', 'main')).find((f) => f.path === 'big.bin')!.sha256,
        done: [[0, 100_000]],
      }),
    );
    const d = await download('legacy');
    assert.equal(d.status, 'succeeded', JSON.stringify(d));
    assert.match(d.log, /resume big\.bin: resuming with 97\.7 KiB/);
    await assertFilesExact(sim, root(), 'acme/links', 'main', 'legacy');
    assert.ok(!existsSync(`${dest}.partial`) && !existsSync(`${dest}.partial.json`), 'the old names are gone');
  });
});
