// De-duplication (DEDUP=auto): a file about to be downloaded whose content is already complete in another
// revision on the same root (a tag of the same commit, an unchanged file of an update) is hard-linked from
// there instead. A hard link is a full file: deleting either revision leaves the other intact. Where the
// filesystem refuses links, the file is copied and its hash checked. Either way the file appears at its
// final path only whole (link or copy to the partial name, then rename), and no link is ever followed.
import { constants } from 'node:fs';
import { link, lstat, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { catalogRepository as catalog, type ModelFileRow } from '../catalog/catalog.repository.ts';
import type { Db } from '../db/pool.ts';
import { ContentHasher, mismatch } from '../engine/hashing.ts';
import { partialPath, removePartial } from '../engine/sidecar.ts';
import type { FileLocks } from '../jobs/file-lock.ts';
import type { JobLog } from '../jobs/job-log.ts';
import type { JobProgress } from '../jobs/job-progress.ts';
import { finalPath } from '../storage/file-paths.ts';
import { modelDir } from '../storage/layout.ts';
import { ensureDirNoSymlinks, lstatOrNull, openNoFollow, partsUnder } from '../storage/safe-fs.ts';

// link(2) errors that mean "this filesystem (or this file) takes no more links": copy instead
const LINK_REFUSED = new Set(['EXDEV', 'EPERM', 'EMLINK', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EACCES']);
const COPY_CHUNK = 1024 * 1024;

export interface DedupJob {
  db: Db;
  /** the root's name, and its real path */
  storage: string;
  root: string;
  /** the revision folder being filled */
  dir: string;
  locks: FileLocks;
  log: JobLog;
  progress: JobProgress;
  signal: AbortSignal;
}

/** True when every folder from the root down to `dir` is a real folder (none is a symbolic link). */
async function realFolders(root: string, dir: string): Promise<boolean> {
  let p = root;
  for (const part of partsUnder(root, dir)) {
    p = path.join(p, part);
    const st = await lstatOrNull(p);
    if (!st?.isDirectory()) return false;
  }
  return true;
}

/**
 * Copies `src` to `tmp` (both opened without following links) and checks the copy's hash against the
 * catalog's; a mismatch removes the copy. Returns null when the copy is good, else why not.
 */
export async function copyVerified(src: string, tmp: string, want: ModelFileRow, signal?: AbortSignal): Promise<string | null> {
  const gitOid = !want.is_lfs && want.git_oid ? want.git_oid : undefined;
  const hasher = new ContentHasher(want.size_bytes, Boolean(gitOid));
  const from = await openNoFollow(src, constants.O_RDONLY);
  let to: Awaited<ReturnType<typeof openNoFollow>> | null = null;
  try {
    to = await openNoFollow(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC);
    const buf = Buffer.allocUnsafe(COPY_CHUNK);
    let pos = 0;
    for (;;) {
      if (signal?.aborted) throw new Error('canceled');
      const { bytesRead } = await from.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) break;
      hasher.update(buf.subarray(0, bytesRead));
      await to.write(buf, 0, bytesRead, pos);
      pos += bytesRead;
    }
    await to.datasync();
    const why =
      pos !== want.size_bytes ? `copied ${pos} bytes, expected ${want.size_bytes}` : mismatch(hasher.digest(), { sha256: want.sha256 ?? undefined, gitOid });
    if (why) {
      await to.close();
      to = null;
      await rm(tmp, { force: true });
    }
    return why ?? null;
  } finally {
    await from.close();
    await to?.close();
  }
}

/** Puts the content of `src` at `dest` whole: a hard link, or a verified copy. Null when it could not. */
async function place(src: string, dest: string, f: ModelFileRow, signal: AbortSignal): Promise<{ note: string } | null> {
  const st = await lstatOrNull(src);
  // the source must still be the complete file: a regular file (never a link) of the right size
  if (!st?.isFile() || st.size !== f.size_bytes) return null;
  await removePartial(dest);
  const tmp = partialPath(dest);
  let note = '';
  try {
    await link(src, tmp);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (!LINK_REFUSED.has(code)) return null;
    const bad = await copyVerified(src, tmp, f, signal).catch((e: Error) => e.message);
    if (bad) return null;
    note = ` (the filesystem refused a hard link, ${code}: a copy, its hash checked)`;
  }
  // a link planted in place of the partial since is a different file: never rename that into place
  const tmpSt = await lstatOrNull(tmp);
  if (!tmpSt?.isFile() || tmpSt.size !== f.size_bytes) {
    await rm(tmp, { force: true });
    return null;
  }
  await rename(tmp, dest);
  return { note };
}

/**
 * Links every file of `todo` whose content is already complete elsewhere on the root; returns the files
 * still to download. A file that cannot be linked (source gone, changed size, a link in the way) is
 * simply downloaded.
 */
export async function linkDuplicates(job: DedupJob, todo: ModelFileRow[]): Promise<ModelFileRow[]> {
  // one query for the whole set first: most files of most downloads have no copy anywhere
  const rows = todo.map((f) => ({ size: f.size_bytes, sha256: f.sha256, gitOid: f.git_oid ?? '', isLfs: f.is_lfs }));
  const candidates = await catalog.hasDoneCopies(job.db, job.storage, rows);
  const left: ModelFileRow[] = [];
  for (const [i, f] of todo.entries()) {
    if (!candidates[i] || job.signal.aborted || !(await linkOne(job, f))) left.push(f);
  }
  return left;
}

async function linkOne(job: DedupJob, f: ModelFileRow): Promise<boolean> {
  const copies = await catalog.doneCopies(job.db, {
    storage: job.storage,
    fileId: f.id,
    size: f.size_bytes,
    sha256: f.sha256,
    gitOid: f.git_oid,
    isLfs: f.is_lfs,
  });
  if (!copies.length) return false;
  const dest = finalPath(job.dir, f.path);
  // another job writing this very file: leave it to the download path, which waits for it
  if (!(await job.locks.tryAcquire(dest))) return false;
  try {
    const parent = path.dirname(dest);
    if (
      !(await ensureDirNoSymlinks(job.root, partsUnder(job.root, parent)).then(
        () => true,
        () => false,
      ))
    )
      return false;
    // a link (or folder) at the file's place is left alone: the download fails that file, saying why
    const there = await lstat(dest).catch(() => null);
    if (there && !there.isFile()) return false;
    for (const c of copies) {
      const srcDir = modelDir(job.root, c.author, c.repo, c.revision);
      const src = finalPath(srcDir, c.path);
      if (src === dest || !(await realFolders(job.root, path.dirname(src)))) continue;
      const done = await place(src, dest, f, job.signal).catch(() => null);
      if (!done) continue;
      const from = `${c.author}/${c.repo}@${c.revision}`;
      await catalog.markLinked(job.db, f.id, from);
      job.progress.found(f.id, f.size_bytes - (job.progress.fileBytes.get(f.id) ?? 0));
      job.progress.filesDone++;
      job.log.line(`${f.path}: linked from ${from}, nothing downloaded${done.note}`);
      return true;
    }
    return false;
  } finally {
    await job.locks.release(dest);
  }
}

/**
 * The lock that makes jobs on one root take turns with the same content (several revisions queued at
 * once): held from a file's start until its outcome is recorded, so the next job finds it done and links
 * it. null for a file without a known hash.
 */
export function contentLockKey(storage: string, f: ModelFileRow): string | null {
  const hash = f.is_lfs ? f.sha256 : f.git_oid;
  return hash ? `content:${storage}:${hash}` : null;
}
