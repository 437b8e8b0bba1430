// Before an update downloads anything, the files it keeps unchanged (same git blob id and size as the
// revision's done files) are linked from the revision folder into the staged one: they cost neither
// bytes from the Hub nor space. Where a filesystem cannot link, the file is copied and verified.
import { link, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { catalogRepository as catalog, type ModelFileRow } from '../catalog/catalog.repository.ts';
import type { Db } from '../db/pool.ts';
import { partialPath } from '../engine/sidecar.ts';
import { verifyFile } from '../engine/verify-file.ts';
import { copyVerified } from '../library/dedup.ts';
import { finalPath } from '../storage/file-paths.ts';
import { ensureDirNoSymlinks, lstatOrNull } from '../storage/safe-fs.ts';

/** Makes `dest` the same file as `src` (a link, else a verified copy); false when it cannot. */
async function linkOrCopy(src: string, dest: string, want: ModelFileRow): Promise<boolean> {
  try {
    await link(src, dest);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return (await verifyFile(dest, want)) === null;
  }
  const tmp = partialPath(dest);
  try {
    if ((await copyVerified(src, tmp, want)) !== null) return false;
    await rename(tmp, dest);
    return true;
  } catch {
    return false;
  } finally {
    await rm(tmp, { force: true });
  }
}

/**
 * Carries the unchanged files from the revision folder `liveDir` into the staged folder `stagingDir`
 * (both under the real root `root`) and marks them done; returns how many and their bytes.
 */
export async function carryOverUnchanged(
  db: Db,
  root: string,
  liveDir: string,
  stagingDir: string,
  staged: ModelFileRow[],
  current: ModelFileRow[],
  from: string,
): Promise<{ files: number; bytes: number }> {
  const byPath = new Map(current.map((f) => [f.path, f]));
  const out = { files: 0, bytes: 0 };
  for (const f of staged) {
    const old = byPath.get(f.path);
    if (f.status === 'done' || !old || old.status !== 'done' || old.git_oid !== f.git_oid || old.size_bytes !== f.size_bytes) continue;
    const src = finalPath(liveDir, f.path);
    // a link in the revision folder is never a downloaded file: it is fetched instead
    if (!(await lstatOrNull(src))?.isFile()) continue;
    const dest = finalPath(stagingDir, f.path);
    await ensureDirNoSymlinks(root, path.relative(root, path.dirname(dest)).split(path.sep));
    if (!(await linkOrCopy(src, dest, f))) continue;
    await catalog.markLinked(db, f.id, from);
    out.files++;
    out.bytes += f.size_bytes;
  }
  return out;
}
