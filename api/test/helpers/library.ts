// Shared by the library tests (move, copy): a small repo with a big file, and real folders on disks.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { CatalogConfig } from '@d011dl/hubsim';

export const MiB = 1024 * 1024;

export const LIBRARY_REPOS: CatalogConfig = {
  tokens: {},
  repos: [
    {
      id: 'acme/lib',
      commits: [
        {
          id: 'init',
          files: {
            'README.md': '# lib\n',
            'empty.txt': '',
            'unicode/modèle-ü.txt': 'chemin unicode\n',
            'weights/big.bin': { lfs: { size: 12 * MiB + 5 } },
            'weights/small.bin': { lfs: { size: 100_003 } },
          },
        },
      ],
      refs: { branches: { main: 'init' } },
    },
    { id: 'acme/other', commits: [{ id: 'o1', files: { 'a.txt': 'a\n', 'b.txt': 'b\n' } }], refs: { branches: { main: 'o1' } } },
    { id: 'acme/arch', commits: [{ id: 'a1', files: { 'c.txt': 'c\n', 'd.bin': { lfs: { size: 300_001 } } } }], refs: { branches: { main: 'a1' } } },
  ],
};

/** Files under a folder, partials included, relative to it. */
export async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []))
    if (!e.isDirectory()) out.push(path.relative(dir, path.join(e.parentPath, e.name)));
  return out.sort();
}

export const sizeOf = (p: string) =>
  stat(p).then(
    (s) => s.size,
    () => -1,
  );

/** Mounts a tmpfs of `size` on `dir` (needs root, as CI has); false where that is not allowed. */
export function tryMount(dir: string, size: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** An empty folder on another file system than the temp folder (/dev/shm, else a tmpfs), or null. */
export async function folderOnAnotherDisk(): Promise<{ dir: string; remove(): Promise<void> } | null> {
  const tmpDev = (await stat(os.tmpdir())).dev;
  const shm = await mkdtemp('/dev/shm/d011dl-').catch(() => null);
  if (shm && (await stat(shm)).dev !== tmpDev) return { dir: shm, remove: () => rm(shm, { recursive: true, force: true }) };
  if (shm) await rm(shm, { recursive: true, force: true });
  const base = await mkdtemp(path.join(os.tmpdir(), 'd011dl-disk-'));
  const dir = path.join(base, 'mnt');
  await mkdir(dir);
  if (!tryMount(dir, '64m')) {
    await rm(base, { recursive: true, force: true });
    return null;
  }
  return {
    dir,
    async remove() {
      execFileSync('umount', [dir], { stdio: 'ignore' });
      await rm(base, { recursive: true, force: true });
    },
  };
}
