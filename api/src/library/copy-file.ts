// Copies one file of a revision from one storage root to another: read without following links, written
// to the partial file beside the destination (engine/sidecar.ts names it), hashed as it goes, fsynced,
// checked against the catalog's SHA-256 or git blob id and only then renamed into place, so a final path
// never holds a wrong file. A partial left by a crash is resumed from its length: the source cannot change
// while the job runs (deleting it is refused then), so the partial's bytes are its first bytes, and if they
// are not (a power loss left zeros) the hash says so and the file is copied once more from the start.
import { constants } from 'node:fs';
import { open, rename, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { canceledError, DownloadError, fsError } from '../engine/errors.ts';
import { ContentHasher, hashFile, mismatch, type Digests } from '../engine/hashing.ts';
import { partialPath, removePartial, sidecarPath } from '../engine/sidecar.ts';
import { assertNoSymlinks, ensureDirNoSymlinks, lstatOrNull, openNoFollow, partsUnder } from '../storage/safe-fs.ts';

const CHUNK = 4 * 1024 * 1024;

export interface CopyTask {
  /** the repo path, for messages */
  path: string;
  size: number;
  sha256?: string | undefined;
  gitOid?: string | undefined;
  /** the real source root and the file under it */
  srcRoot: string;
  src: string;
  /** the real target root and the final path under it */
  destRoot: string;
  dest: string;
}

export interface CopyOptions {
  signal: AbortSignal;
  /** 0: as fast as the disks go */
  maxBytesPerSecond: number;
  onBytes(delta: number): void;
  /** bytes of a partial found from an earlier attempt (counted done, not as speed) */
  onResume(bytes: number): void;
  log(line: string): void;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

async function readFully(fh: FileHandle, buf: Buffer, n: number, pos: number, label: string): Promise<void> {
  for (let got = 0; got < n; ) {
    const { bytesRead } = await fh.read(buf, got, n - got, pos + got);
    if (bytesRead === 0) throw new DownloadError('IOError', `${label} ended at ${pos + got} bytes while being copied`, { permanent: false });
    got += bytesRead;
  }
}

async function writeFully(fh: FileHandle, buf: Buffer, n: number, pos: number): Promise<void> {
  for (let put = 0; put < n; ) put += (await fh.write(buf, put, n - put, pos + put)).bytesWritten;
}

/** Makes the rename durable; a network file system that refuses fsync on a folder is not a failure. */
async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r').catch(() => null);
  await fh
    ?.sync()
    .catch(() => {})
    .finally(() => fh.close());
}

export async function copyFile(t: CopyTask, o: CopyOptions): Promise<Digests> {
  const label = t.path;
  try {
    await assertNoSymlinks(t.srcRoot, partsUnder(t.srcRoot, path.dirname(t.src)));
    const src = await openNoFollow(t.src, constants.O_RDONLY);
    try {
      const st = await src.stat();
      if (!st.isFile()) throw new DownloadError('IOError', `the source of ${label} is not a regular file`, { permanent: true });
      if (st.size !== t.size)
        throw new DownloadError('IntegrityError', `the source of ${label} is ${st.size} bytes, the catalog says ${t.size}; rescan the source revision`, {
          permanent: true,
        });
      await ensureDirNoSymlinks(t.destRoot, partsUnder(t.destRoot, path.dirname(t.dest)));
      // a download's partial (it has a sidecar) may have holes: only a copy's own partial is a prefix
      if (await lstatOrNull(sidecarPath(t.dest))) await removePartial(t.dest);
      const part = await openNoFollow(partialPath(t.dest), constants.O_RDWR | constants.O_CREAT);
      let digests: Digests;
      try {
        digests = await copyInto(src, part, t, o);
        await part.sync();
      } finally {
        await part.close();
      }
      await rename(partialPath(t.dest), t.dest);
      await syncDir(path.dirname(t.dest));
      return digests;
    } finally {
      await src.close();
    }
  } catch (err) {
    if (o.signal.aborted && !(err instanceof DownloadError && err.permanent)) throw canceledError(label);
    throw fsError(err, 'copy', label);
  }
}

async function copyInto(src: FileHandle, part: FileHandle, t: CopyTask, o: CopyOptions): Promise<Digests> {
  const buf = Buffer.allocUnsafe(CHUNK);
  let start = (await part.stat()).size;
  if (start > t.size) {
    await part.truncate(0);
    start = 0;
  }
  for (let attempt = 1; ; attempt++) {
    const hasher = new ContentHasher(t.size, Boolean(t.gitOid));
    if (start > 0) {
      o.log(`resumed ${t.path} from ${start} bytes`);
      o.onResume(start);
      // the partial's bytes are hashed as they are (the check at the end covers them)
      for (let pos = 0; pos < start; pos += CHUNK) {
        if (o.signal.aborted) throw canceledError(t.path);
        const n = Math.min(CHUNK, start - pos);
        await readFully(part, buf, n, pos, `the partial file of ${t.path}`);
        hasher.update(buf.subarray(0, n));
      }
    }
    const began = Date.now();
    for (let pos = start; pos < t.size; ) {
      if (o.signal.aborted) throw canceledError(t.path);
      const n = Math.min(CHUNK, t.size - pos);
      await readFully(src, buf, n, pos, `the source of ${t.path}`);
      await writeFully(part, buf, n, pos);
      hasher.update(buf.subarray(0, n));
      pos += n;
      o.onBytes(n);
      if (o.maxBytesPerSecond > 0) {
        const ahead = ((pos - start) * 1000) / o.maxBytesPerSecond - (Date.now() - began);
        if (ahead > 0) await sleep(ahead, o.signal);
      }
    }
    const digests = hasher.digest();
    const bad = mismatch(digests, { sha256: t.sha256, gitOid: t.gitOid });
    if (!bad) return digests;
    if (start === 0 || attempt > 1)
      throw new DownloadError('IntegrityError', `${t.path}: the copy does not match the catalog (${bad}); the source may be damaged: rescan it with hashes`, {
        permanent: true,
      });
    // a resumed partial whose bytes were not what they seemed (a power loss): once more from the start
    o.log(`${t.path}: the resumed partial did not verify; copying it again from the start`);
    o.onBytes(-(t.size - start));
    o.onResume(-start);
    await part.truncate(0);
    start = 0;
  }
}

/**
 * A move within one file system: the file only changes its name (atomic, no byte written, no space
 * needed). Null when the two roots are different mounts of that file system (EXDEV): copy instead.
 * When the source is gone, an earlier attempt renamed it and stopped before recording it: the file
 * at the destination is then accepted only if it verifies.
 */
export async function renameInto(t: CopyTask, signal: AbortSignal): Promise<'renamed' | null> {
  try {
    await assertNoSymlinks(t.srcRoot, partsUnder(t.srcRoot, path.dirname(t.src)));
    await ensureDirNoSymlinks(t.destRoot, partsUnder(t.destRoot, path.dirname(t.dest)));
    const st = await lstatOrNull(t.src);
    if (!st) {
      const there = await lstatOrNull(t.dest);
      if (!there?.isFile()) throw new DownloadError('IOError', `the source of ${t.path} is gone, and it is not on the target either`, { permanent: true });
      const bad = mismatch(await hashFile(t.dest, there.size, Boolean(t.gitOid), signal, t.path), { sha256: t.sha256, gitOid: t.gitOid });
      if (there.size !== t.size || bad)
        throw new DownloadError('IntegrityError', `the source of ${t.path} is gone, and the file on the target does not match the catalog`, {
          permanent: true,
        });
      return 'renamed';
    }
    if (!st.isFile()) throw new DownloadError('IOError', `the source of ${t.path} is not a regular file`, { permanent: true });
    if (st.size !== t.size)
      throw new DownloadError('IntegrityError', `the source of ${t.path} is ${st.size} bytes, the catalog says ${t.size}; rescan the source revision`, {
        permanent: true,
      });
    try {
      await rename(t.src, t.dest);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EXDEV') return null;
      throw err;
    }
    // what an earlier attempt (copying) left beside it
    await removePartial(t.dest);
    await syncDir(path.dirname(t.dest));
    await syncDir(path.dirname(t.src));
    return 'renamed';
  } catch (err) {
    if (signal.aborted && !(err instanceof DownloadError && err.permanent)) throw canceledError(t.path);
    throw fsError(err, 'move', t.path);
  }
}
