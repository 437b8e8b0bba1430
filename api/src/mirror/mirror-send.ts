// Opening a served file without ever leaving its revision folder, and the Range rules of a download.
import { constants } from 'node:fs';
import { type FileHandle, lstat, readlink, realpath } from 'node:fs/promises';
import path from 'node:path';
import { finalPath } from '../storage/file-paths.ts';
import { openNoFollow } from '../storage/safe-fs.ts';
import { MirrorError } from './mirror-errors.ts';
import type { SnapshotFile } from './mirror-tree.ts';

const gone = (f: SnapshotFile, commit: string, why: string) =>
  new MirrorError(404, 'EntryNotFound', `${f.path} ${why}; an administrator can rescan this model in D011DL`, { 'X-Repo-Commit': commit });

/**
 * Opens a done file for reading. Only a regular file of the catalog's size, reached through real
 * folders, is served: the revision folder, the two above it (<Author>/<Repo>) and every folder under
 * it must not be symbolic links (anyone who can write to a NAS share could plant one pointing at
 * /etc), and the open itself does not follow a link. On Linux the opened descriptor's own path is
 * compared with the expected one as well, which also catches a link swapped in after the checks.
 */
export async function openServed(f: SnapshotFile, commit: string): Promise<FileHandle> {
  const dir = f.dir;
  const target = finalPath(dir, f.path);
  for (const d of [path.dirname(path.dirname(dir)), path.dirname(dir), dir]) {
    const st = await lstat(d).catch(() => null);
    if (!st?.isDirectory()) throw gone(f, commit, 'is not on disk (its folder is missing or is a symbolic link)');
  }
  const parts = path.relative(dir, target).split(path.sep);
  let walk = dir;
  for (const part of parts.slice(0, -1)) {
    walk = path.join(walk, part);
    if (!(await lstat(walk).catch(() => null))?.isDirectory()) throw gone(f, commit, 'is not on disk (a folder on its way is missing or a link)');
  }
  let fh: FileHandle;
  try {
    fh = await openNoFollow(target, constants.O_RDONLY);
  } catch {
    throw gone(f, commit, 'is not on disk (or is a symbolic link)');
  }
  try {
    const st = await fh.stat();
    if (!st.isFile() || st.size !== f.size) throw gone(f, commit, `differs on disk from the catalog (${st.size} bytes, expected ${f.size})`);
    const actual = await readlink(`/proc/self/fd/${fh.fd}`).catch(() => null);
    if (actual !== null && actual !== path.join(await realpath(dir), ...parts)) throw gone(f, commit, 'is reached through a symbolic link');
    return fh;
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/** If-None-Match lists the ETag (or is "*"). */
export function noneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((v) => {
    const t = v.trim().replace(/^W\//, '');
    return t === '*' || t === `"${etag}"` || t === etag;
  });
}
