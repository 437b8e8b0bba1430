// downloadFile: one repo file to its final path, verified, atomically, resuming whatever a previous
// call (or a previous process) left in its partial file (sidecar.ts names it).
import { constants } from 'node:fs';
import { lstat, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { DownloadError, fsError } from './errors.ts';
import { FrontierHasher, hashFile, mismatch, type Digests, type FileHasher } from './hashing.ts';
import { ThreadedFrontierHasher } from './hash-thread.ts';
import { openNoFollow, symlinkRefusal } from '../storage/safe-fs.ts';
import { prepareDestFolder } from './dest-folder.ts';
import { holdUnlessAborted } from './schedule.ts';
import { FileRun } from './file-run.ts';
import { PartialFile, type ResumeState } from './partial-file.ts';
import { journalPath, partialPath, readJournal, readSidecar, removePartial, sidecarPath } from './sidecar.ts';
import { Transfer, type TransferOutcome } from './transfer.ts';
import type { EngineOptions, FileResult, FileTask } from './types.ts';
import { validateTask } from './validate-task.ts';

// files this big are fetched as parallel ranged segments (schedule.ts tells big from small by it)
export { SEGMENT_THRESHOLD } from './file-run.ts';

// a partial at least this big journals its writes and announces itself at once (no fsync), so a crash,
// even before the first checkpoint, costs next to nothing; smaller files are cheaper to fetch again
const JOURNAL_MIN_SIZE = 1024 * 1024;
// a file whose content keeps changing under us is not going to settle within one call
const MAX_RESTARTS = 3;
const EMPTY: Digests = {
  sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  gitOid: 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391',
};

/**
 * Downloads `task.url` to `task.dest`: skips a destination that already holds the right bytes,
 * resumes its partial file, verifies size and hashes, then fsyncs and renames into place.
 * Throws DownloadError; a canceled or failed call keeps the partial for a later resume.
 */
export async function downloadFile(task: FileTask, opts: EngineOptions): Promise<FileResult> {
  const run = new FileRun(task, opts);
  try {
    validateTask(task, opts);
    run.checkCanceled();
    return await downloadOrSkip(run);
  } catch (err) {
    const e =
      err instanceof DownloadError
        ? err
        : new DownloadError('IOError', `${task.path}: ${(err as Error)?.message ?? String(err)}`, { permanent: false, cause: err });
    if (e.code !== 'Canceled') run.event('failed', e.message);
    throw e;
  }
}

async function downloadOrSkip(run: FileRun): Promise<FileResult> {
  const { task } = run;
  try {
    await prepareDestFolder(task);
  } catch (err) {
    throw fsError(err, 'create the folder of', task.dest);
  }

  const existing = await inspectDestination(run);
  if (existing.kind === 'good') {
    // a finished file makes any leftover partial useless
    await removePartial(task.dest).catch(() => {});
    run.event('skipped', 'already on disk with the expected size and hash');
    return { status: 'skipped', sha256: existing.digests.sha256, bytesFetched: 0 };
  }
  let replacing = '';
  if (existing.kind === 'bad') {
    // a known-bad file must not stay where a finished download is expected, even if this call fails
    try {
      await rm(task.dest, { force: true });
    } catch (err) {
      throw fsError(err, 'remove the wrong file', task.dest);
    }
    replacing = `replacing a wrong existing file (${existing.reason}); `;
  }

  if (task.size === 0) return writeEmpty(run, replacing);

  for (let attempt = 0; ; attempt++) {
    try {
      return await fetchVerifyCommit(run, { fresh: attempt > 0, note: replacing });
    } catch (err) {
      if (!(err instanceof DownloadError) || err.code !== 'IntegrityError') throw err;
      await removePartial(task.dest).catch(() => {});
      run.discardReported();
      if (attempt > 0) throw err;
      run.event('restart', `${err.message}; deleted the partial file, downloading again from zero`);
    }
  }
}

type Existing = { kind: 'absent' } | { kind: 'good'; digests: Digests } | { kind: 'bad'; reason: string };

async function inspectDestination(run: FileRun): Promise<Existing> {
  const { task } = run;
  let st: Awaited<ReturnType<typeof lstat>>;
  try {
    st = await lstat(task.dest);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'absent' };
    throw fsError(err, 'inspect', task.dest);
  }
  if (st.isSymbolicLink()) throw fsError(symlinkRefusal(task.dest), 'inspect', task.dest);
  if (!st.isFile()) {
    throw new DownloadError('IOError', `${task.path}: ${task.dest} exists and is not a regular file`, { permanent: true });
  }
  if (st.size !== task.size) return { kind: 'bad', reason: `${st.size} bytes instead of ${task.size}` };
  let digests: Digests;
  try {
    digests = await hashFile(task.dest, task.size, Boolean(task.gitOid), run.signal, run.label);
  } catch (err) {
    throw fsError(err, 'read', task.dest);
  }
  const bad = mismatch(digests, task);
  return bad ? { kind: 'bad', reason: bad } : { kind: 'good', digests };
}

/** A 0-byte file needs no request: the tree's hashes are checked against the empty content. */
async function writeEmpty(run: FileRun, note: string): Promise<FileResult> {
  const { task } = run;
  const bad = mismatch(EMPTY, task);
  if (bad) {
    throw new DownloadError('IntegrityError', `${task.path}: the tree lists 0 bytes but a hash of other content (${bad})`, { permanent: true });
  }
  const tmp = partialPath(task.dest);
  try {
    const fh = await openNoFollow(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC);
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, task.dest);
  } catch (err) {
    throw fsError(err, 'create', task.dest);
  }
  await syncDir(path.dirname(task.dest));
  await rm(sidecarPath(task.dest), { force: true }).catch(() => {});
  run.event('done', `${note}empty file, nothing to fetch`, { bytes: 0 });
  return { status: 'done', sha256: EMPTY.sha256, bytesFetched: 0 };
}

async function usableResume(task: FileTask): Promise<ResumeState | undefined> {
  const side = await readSidecar(task.dest);
  const same = (a: string | undefined, b: string | undefined) => (a ?? '').toLowerCase() === (b ?? '').toLowerCase();
  // a partial of another size or version of the file is worthless
  if (!side || side.size !== task.size || !same(side.sha256, task.sha256) || !same(side.gitOid, task.gitOid)) return undefined;
  return { sidecar: side, journal: await readJournal(task.dest, task.size) };
}

/**
 * A segmented file arrives out of order and is mostly read back to be hashed: that happens on the hash
 * thread. A file fetched over one connection arrives in order and is hashed from memory as it comes.
 */
function newHasher(run: FileRun, file: PartialFile): FileHasher {
  const { task } = run;
  if (run.opts.hashThread !== false && run.transferSettings(false).connections > 1) {
    return new ThreadedFrontierHasher(partialPath(task.dest), file.written, task.size, Boolean(task.gitOid), run.label);
  }
  return new FrontierHasher(file.fh, file.written, task.size, Boolean(task.gitOid), run.label);
}

async function fetchVerifyCommit(run: FileRun, o: { fresh: boolean; note: string }): Promise<FileResult> {
  const { task } = run;
  const resume = o.fresh ? undefined : await usableResume(task);
  const expected = { ...(task.sha256 ? { sha256: task.sha256 } : {}), ...(task.gitOid ? { gitOid: task.gitOid } : {}) };
  // a stale sidecar must not outlive the partial it described once that is emptied below
  if (!resume) await rm(sidecarPath(task.dest), { force: true }).catch(() => {});
  const file = await PartialFile.open(task.dest, task.size, expected, run.label, resume, task.size >= JOURNAL_MIN_SIZE);
  let hasher = newHasher(run, file);
  let committed = false;
  try {
    const have = file.written.size();
    const plan = run.transferSettings(false);
    const how = plan.connections > 1 ? ` over up to ${plan.connections} connections` : '';
    if (have > 0) {
      run.event('resume', `${o.note}resuming with ${fmtBytes(have)} of ${fmtBytes(task.size)} on disk${how}`, { bytes: have });
      // the hash state of an earlier process is gone: hash the bytes on disk while the rest downloads
      hasher.catchUp();
    } else {
      run.event('start', `${o.note}downloading ${fmtBytes(task.size)}${how}`);
      // small files finish before the first checkpoint, sparing them a sidecar (it adds up over
      // thousands of files on a NAS); a partial without one is never trusted
      if (task.size >= JOURNAL_MIN_SIZE) await file.announce();
    }

    let digests = await transferAll(
      run,
      file,
      () => hasher,
      (h) => (hasher = h),
    );
    let bad = mismatch(digests, task);
    if (bad && file.undurableAtOpen > 0) {
      // After a power loss the journal may list writes that never reached the disk. Keep only what was
      // fsynced, fetch the rest again and check once more; a second mismatch is a real one.
      run.event('restart', `the bytes saved just before the last stop did not verify (${bad}); fetching ${fmtBytes(file.undurableAtOpen)} again`, {
        bytes: file.undurableAtOpen,
      });
      await hasher.stop();
      run.discardReported();
      await file.rollBackToDurable();
      hasher = newHasher(run, file);
      hasher.catchUp();
      digests = await transferAll(
        run,
        file,
        () => hasher,
        (h) => (hasher = h),
      );
      bad = mismatch(digests, task);
    }
    if (bad) throw new DownloadError('IntegrityError', `${task.path}: downloaded content does not match the tree at this commit: ${bad}`, { permanent: true });
    run.event('verified', `sha256 ${digests.sha256}${digests.gitOid ? `, git blob ${digests.gitOid}` : ''}`);

    await file.close();
    try {
      await rename(partialPath(task.dest), task.dest);
    } catch (err) {
      throw fsError(err, 'move into place', task.dest);
    }
    committed = true;
    await syncDir(path.dirname(task.dest));
    await Promise.all([
      rm(sidecarPath(task.dest), { force: true }),
      task.size >= JOURNAL_MIN_SIZE ? rm(journalPath(task.dest), { force: true }) : undefined,
    ]).catch(() => {});
    run.event('done', `${fmtBytes(run.fetched)} fetched`, { bytes: run.fetched });
    return { status: 'done', sha256: digests.sha256, bytesFetched: run.fetched };
  } catch (err) {
    if (!committed) {
      await hasher.stop();
      const integrity = err instanceof DownloadError && err.code === 'IntegrityError';
      const keep = !integrity && file.written.size() > 0;
      // keep the partial resumable: record everything written so far, once it is on disk
      if (keep) await file.persist().catch(() => {});
      await file.close();
      // an empty partial is only clutter (e.g. after a 403 on the first request)
      if (!keep && !integrity) await removePartial(task.dest).catch(() => {});
    }
    throw err;
  }
}

/** Fetches every missing range (starting over when the content changed under us), then fsyncs the file and returns its digests. */
async function transferAll(run: FileRun, file: PartialFile, current: () => FileHasher, replace: (h: FileHasher) => void): Promise<Digests> {
  const { task } = run;
  // a file fetching again (a power loss's rollback, a bad hash) takes a slot like any other; a cancel
  // does not wait for one (the transfer below then stops at once)
  if (run.opts.slot) await holdUnlessAborted(run.opts.slot, run.signal);
  {
    let single = false;
    for (let restarts = 0; ; restarts++) {
      const transfer = new Transfer(run.transferSettings(single), file, current());
      let outcome: TransferOutcome;
      try {
        outcome = await transfer.run();
      } finally {
        run.fetched += transfer.bytesFetched;
        run.urlRenewals += transfer.urlRenewals;
      }
      if (outcome.kind === 'complete') break;
      if (restarts + 1 > MAX_RESTARTS) {
        throw new DownloadError('HubError', `${task.path}: the file kept changing during the download (${outcome.reason})`, { permanent: false });
      }
      await current().stop();
      run.event('restart', `${outcome.reason}; discarding ${fmtBytes(file.written.size())} and starting over from zero`, { bytes: file.written.size() });
      run.discardReported();
      await file.reset({});
      replace(newHasher(run, file));
      single ||= outcome.singleConnection;
    }
  }
  // every byte is in: the hash's last stretch and the fsync need no connection
  run.opts.slot?.release();
  // the fsync runs while the hash catches up (a bad hash fetches again and seals again: harmless)
  const sealing = file.seal();
  sealing.catch(() => {}); // awaited below, after the digests
  const digests = await current().finish(run.signal);
  await sealing;
  return digests;
}

/** Makes a rename durable. Some network file systems refuse fsync on a directory: that is not fatal. */
async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // best effort (see above)
  }
}

function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v >= 100 ? 0 : 1)} ${units[i]}`;
}
