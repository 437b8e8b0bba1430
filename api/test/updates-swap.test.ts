import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DownloadRow } from '../src/downloads/downloads.repository.ts';
import { RevisionSwap } from '../src/updates/revision-swap.ts';
import { sweepTrash } from '../src/updates/trash.ts';

// Only what the swap reads of a job row.
const job = {
  id: 'abcdef12-0000-4000-8000-000000000000',
  model_id: 'staging-entry',
  author: 'acme',
  repo: 'tiny',
  revision: 'main',
  created_at: new Date('2026-11-30T12:00:00Z'),
} as DownloadRow;

async function tree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true }))
    if (e.isFile()) out[path.relative(dir, path.join(e.parentPath, e.name))] = await readFile(path.join(e.parentPath, e.name), 'utf8');
  return out;
}

describe('updates: the folder swap resumes from wherever a crash left it', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'd011dl-swap-'));
  });
  after(() => rm(root, { recursive: true, force: true }));

  const setUp = async () => {
    await rm(root, { recursive: true, force: true });
    await mkdir(path.join(root, '.d011dl'), { recursive: true });
    const s = new RevisionSwap(root, job);
    await mkdir(path.join(s.live, 'sub'), { recursive: true });
    await writeFile(path.join(s.live, 'config.json'), 'old');
    await writeFile(path.join(s.live, 'sub', 'mine.txt'), 'user file');
    await mkdir(s.staging, { recursive: true });
    await writeFile(path.join(s.staging, 'config.json'), 'new');
    return s;
  };
  const keepUntracked = (rel: string) => rel !== 'config.json';

  it('in one go: the new folder in place with the untracked file, the old one whole in the trash', async () => {
    const s = await setUp();
    await s.swap(keepUntracked);
    assert.deepEqual(await tree(s.live), { 'config.json': 'new', 'sub/mine.txt': 'user file' });
    assert.deepEqual(await tree(s.trash), { 'config.json': 'old', 'sub/mine.txt': 'user file' });
    assert.equal((await stat(path.join(s.live, 'sub', 'mine.txt'))).nlink, 2, 'linked, not copied');
    await s.swap(keepUntracked);
    assert.deepEqual(await tree(s.live), { 'config.json': 'new', 'sub/mine.txt': 'user file' }, 'running it again changes nothing');
  });

  it('after a crash between the two renames: finishes, and moves the untracked file back', async () => {
    const s = await setUp();
    await mkdir(path.dirname(s.trash), { recursive: true });
    await rename(s.live, s.trash);
    assert.equal(await s.started(), true);
    await s.swap(keepUntracked);
    assert.deepEqual(await tree(s.live), { 'config.json': 'new', 'sub/mine.txt': 'user file' });
    assert.deepEqual(await tree(s.trash), { 'config.json': 'old' });
  });

  it('refuses a revision folder reached through a link', async () => {
    const s = await setUp();
    await rm(path.join(root, 'acme', 'tiny'), { recursive: true });
    const elsewhere = await mkdtemp(path.join(os.tmpdir(), 'd011dl-elsewhere-'));
    await symlink(elsewhere, path.join(root, 'acme', 'tiny'));
    await assert.rejects(s.swap(keepUntracked), /symbolic link/);
    assert.deepEqual(await readdir(elsewhere), []);
    await rm(elsewhere, { recursive: true });
  });
});

describe('updates: the trash keeps TRASH_DAYS days', () => {
  it('removes older days only, and never follows a link out of the trash', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'd011dl-trash-'));
    const outside = await mkdtemp(path.join(os.tmpdir(), 'd011dl-outside-'));
    try {
      await writeFile(path.join(outside, 'keep.txt'), 'not ours');
      const trash = path.join(root, '.d011dl', 'trash');
      for (const day of ['2026-11-01', '2026-11-23', '2026-11-24', '2026-11-30']) await mkdir(path.join(trash, day, 'acme'), { recursive: true });
      await symlink(outside, path.join(trash, '2026-11-01', 'acme', 'link'));
      const roots = { names: ['default'], guard: () => ({ state: async () => ({ ok: true as const, root }) }) };
      const gone = await sweepTrash(roots as never, 7, new Date('2026-11-30T10:00:00Z'));
      assert.deepEqual(gone.map((g) => path.basename(g)).sort(), ['2026-11-01', '2026-11-23']);
      assert.deepEqual((await readdir(trash)).sort(), ['2026-11-24', '2026-11-30']);
      assert.equal(await readFile(path.join(outside, 'keep.txt'), 'utf8'), 'not ours');
    } finally {
      await rm(root, { recursive: true, force: true });
      await rm(outside, { recursive: true, force: true });
    }
  });
});
