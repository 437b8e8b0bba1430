// Removes files of one revision from disk (delete, the end of a move). Only names inside the revision
// folder are touched, and no link is followed: a folder on the way that is a symbolic link is refused,
// a file that is a link loses only its name. Emptied folders are removed up to the root, never the root.
import { lstat, rmdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { removePartial } from '../engine/sidecar.ts';
import { finalPath } from '../storage/file-paths.ts';
import { lstatOrNull, partsUnder, symlinkRefusal } from '../storage/safe-fs.ts';

export interface Removed {
  /** files whose name was removed */
  deleted: number;
  /** bytes the filesystem got back: a file still linked from another revision (de-duplication) frees nothing */
  freedBytes: number;
  /** bytes of the removed files, linked or not */
  removedBytes: number;
}

/** Refuses a revision folder reached through a symbolic link (any folder from the root down). */
async function assertRealFolders(root: string, dir: string): Promise<void> {
  let p = root;
  for (const part of partsUnder(root, dir)) {
    p = path.join(p, part);
    const st = await lstatOrNull(p);
    if (!st) return;
    if (st.isSymbolicLink()) throw symlinkRefusal(p);
  }
}

/**
 * Removes `repoPaths` (and their partial files) from the revision folder `dir` under the real root
 * `root`, then every folder left empty between them and the root.
 */
export async function removeRevisionFiles(root: string, dir: string, repoPaths: string[]): Promise<Removed> {
  await assertRealFolders(root, dir);
  const out: Removed = { deleted: 0, freedBytes: 0, removedBytes: 0 };
  const folders = new Set<string>();
  for (const repoPath of repoPaths) {
    const dest = finalPath(dir, repoPath);
    // folders inside the revision: a link there is refused like the revision folder itself
    await assertRealFolders(root, path.dirname(dest));
    await removePartial(dest);
    const st = await lstat(dest).catch(() => null);
    if (st && !st.isDirectory()) {
      await unlink(dest);
      out.deleted++;
      if (st.isFile()) {
        out.removedBytes += st.size;
        if (st.nlink === 1) out.freedBytes += st.size;
      }
    }
    for (let f = path.dirname(dest); f !== root && f.startsWith(root + path.sep); f = path.dirname(f)) folders.add(f);
  }
  // deepest first, so a parent is tried after its children
  for (const f of [...folders].sort((a, b) => b.length - a.length)) await rmdir(f).catch(() => {});
  return out;
}
