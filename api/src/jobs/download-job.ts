import { lstat, rm } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import type { AppConfig } from '../config/config.ts';
import { withTransaction, type Db } from '../db/pool.ts';
import { modelDir, revisionFolder } from '../storage/layout.ts';
import { ensureDirNoSymlinks } from '../storage/safe-fs.ts';
import type { StorageGuard } from '../storage/storage-guard.ts';
import { assertSpace, formatBytes } from '../storage/disk-space.ts';
import { downloadsRepository as repo, type DownloadRow, type JobFileRow } from '../downloads/downloads.repository.ts';
import { partialPath } from '../engine/sidecar.ts';
import { DownloadError, downloadFile, FileScheduler, type EngineOptions, type FileResult, type FileTask } from '../engine/index.ts';
import { FileLocks } from './file-lock.ts';
import { finalPath, resolveUrl } from '../storage/file-paths.ts';
import { bytesUnder, runHfCli } from './hf-cli-engine.ts';
import { JobLog } from './job-log.ts';
import { verifyFile } from './verify-file.ts';
import { JobProgress } from './progress.ts';

export type FileEngine = (task: FileTask, opts: EngineOptions) => Promise<FileResult>;

// Thrown out of a job interrupted by shutdown so the queue hands it out again after restart.
export class JobInterrupted extends Error {}

const PROGRESS_INTERVAL_MS = 500; // ≤ 2 DB writes per second per job, whatever the file count
const FILE_BYTES_INTERVAL_MS = 1_000; // per-file byte counts: at most one write a second per job

// how long a new attempt waits for one that is still stopping (the runner notices a cancel within ~0.5 s)
const JOB_LOCK_WAIT_MS = 10_000;

async function waitForLock(locks: FileLocks, key: string, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await locks.tryAcquire(key)) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 250));
  }
}

// a link is never a downloaded file (nor a partial one): storage/safe-fs.ts
const sizeOnDisk = (p: string) => lstat(p).then((s) => (s.isFile() ? s.size : -1), () => -1);

export function createDownloadRunner(deps: { db: Db; config: AppConfig; log: FastifyBaseLogger; storage: StorageGuard; engine?: FileEngine }) {
  const { db, config } = deps;
  const engine = deps.engine ?? downloadFile;
  // slots shared by every job of this process
  const scheduler = new FileScheduler({ fileConcurrency: config.downloads.fileConcurrency, segmentConnections: config.downloads.segmentConnections });
  const running = new Map<string, AbortController>();

  async function run(downloadId: string): Promise<void> {
    const locks = new FileLocks(db);
    try {
      // An attempt of this job may still be running (a cancel then a quick retry: it is winding down), or
      // elsewhere (expired and handed out again): wait a little for it, then leave it to the queue's retry.
      if (!(await waitForLock(locks, `job:${downloadId}`, JOB_LOCK_WAIT_MS))) throw new JobInterrupted(`download ${downloadId} is already being run`);
      await runLocked(downloadId, locks);
    } finally {
      await locks.close();
    }
  }

  async function runLocked(downloadId: string, locks: FileLocks): Promise<void> {
    const d = await repo.get(db, downloadId);
    if (!d || d.status === 'canceled' || d.status === 'succeeded') return;
    if ((await repo.markRunning(db, downloadId)) === 'canceled') return;

    const files = await repo.files(db, downloadId);
    const log = new JobLog(config.downloads.logDir, downloadId, d.log, config.storageRoot);
    const storage = await deps.storage.state();
    const root = storage.ok ? storage.root : config.storageRoot;
    const dir = modelDir(root, d.author, d.repo, d.revision);
    const progress = new JobProgress(files.reduce((n, f) => n + f.size_bytes, 0), files.length);
    const controller = new AbortController();
    running.set(downloadId, controller);
    let jobError: string | null = null;

    const flush = createFlusher(downloadId, progress, log, () => controller.abort('canceled'));
    const timer = setInterval(() => void flush(), PROGRESS_INTERVAL_MS);
    try {
      if (!storage.ok) {
        await storageLost(controller, log, storage.message);
        return;
      }
      const unsafe = await ensureDirNoSymlinks(root, [d.author, d.repo, revisionFolder(d.revision)]).then(() => null, (err: Error) => err.message);
      if (unsafe) {
        jobError = unsafe;
        log.line(`refused: ${unsafe}`);
        return;
      }
      const todo = await skipFilesAlreadyDone(files, dir, progress, log, d.force);
      const partials = await Promise.all(todo.map((f) => sizeOnDisk(partialPath(finalPath(dir, f.path)))));
      const needed = todo.reduce((n, f, i) => n + Math.max(0, f.size_bytes - Math.max(0, partials[i]!)), 0);
      try {
        await assertSpace(config.storageRoot, needed, await repo.bytesStillNeeded(db, downloadId), config.downloads.diskReserveBytes);
      } catch (err) {
        jobError = (err as Error).message;
        log.line(`refused: ${jobError}`);
        return;
      }
      log.line(`started: ${todo.length} of ${files.length} files to fetch (${formatBytes(needed)}) at commit ${d.commit_sha}`);
      if (d.engine === 'hf') {
        await fetchWithHfCli(d, todo, dir, controller, progress, log);
        return;
      }
      await scheduler.run(todo.map((f) => ({ f, size: f.size_bytes })), async ({ f }, connections) => {
        if (controller.signal.aborted || (await storageLost(controller, log))) return;
        const failure = await fetchOne(d, f, dir, connections, controller, locks, progress, log);
        if (failure?.stopsJob) {
          jobError = failure.message;
          controller.abort('failed');
        }
      });
    } finally {
      clearInterval(timer);
      running.delete(downloadId);
      await flush(true);
      await settle(d, controller.signal.reason, jobError, progress, log);
    }
  }

  async function skipFilesAlreadyDone(files: JobFileRow[], dir: string, progress: JobProgress, log: JobLog, force: boolean): Promise<JobFileRow[]> {
    const todo: JobFileRow[] = [];
    for (const f of files) {
      // recorded as done and still there at the right size: no need to read it again
      if (!force && f.status === 'done' && (await sizeOnDisk(finalPath(dir, f.path))) === f.size_bytes) {
        progress.found(f.id, f.size_bytes);
        progress.filesDone++;
        log.line(`skipped ${f.path}: already downloaded`);
      } else {
        todo.push(f);
      }
    }
    return todo;
  }

  async function fetchOne(d: DownloadRow, f: JobFileRow, dir: string, connections: number, controller: AbortController, locks: FileLocks, progress: JobProgress, log: JobLog): Promise<{ stopsJob: boolean; message: string } | null> {
    const dest = finalPath(dir, f.path);
    if (!(await locks.acquire(dest, () => controller.signal.aborted))) return null;
    try {
      await repo.setFileStatus(db, f.id, { status: 'downloading' });
      const task: FileTask = {
        path: f.path,
        size: f.size_bytes,
        ...(f.sha256 ? { sha256: f.sha256 } : {}),
        ...(!f.is_lfs && f.git_oid ? { gitOid: f.git_oid } : {}),
        url: resolveUrl(config.hub.endpoint, d.author, d.repo, d.commit_sha!, f.path),
        dest,
        // dir is <real storage root>/<author>/<repo>/<revision>
        root: path.resolve(dir, '..', '..', '..'),
      };
      const result = await engine(task, {
        hubOrigin: new URL(config.hub.endpoint).origin,
        token: config.hub.token,
        segmentConnections: connections,
        retries: config.downloads.retries,
        stallTimeoutMs: config.downloads.stallTimeoutMs,
        outageTimeoutMs: config.downloads.outageTimeoutMs,
        signal: controller.signal,
        onBytes: (_p, delta) => progress.add(f.id, delta),
        onWaiting: (p, w) => progress.setWaiting(p, w),
        onEvent: (e) => {
          // bytes found on disk when resuming count as done, not as speed (onBytes reports only new ones)
          if (e.type === 'resume' && e.bytes) progress.found(f.id, e.bytes);
          log.line(`${e.type} ${e.path}${e.message ? `: ${e.message}` : ''}`);
        },
      });
      progress.setWaiting(f.path, null);
      // a file renamed into place just as the storage went away (lazy unmount) is not there
      if (await storageLost(controller, log)) throw new DownloadError('Canceled', `${f.path}: the storage went away`, { permanent: false });
      progress.found(f.id, f.size_bytes - (progress.fileBytes.get(f.id) ?? 0));
      progress.filesDone++;
      await repo.setFileStatus(db, f.id, { status: 'done', sha256: result.sha256, bytesDone: f.size_bytes });
      return null;
    } catch (err) {
      progress.setWaiting(f.path, null);
      const e = err instanceof DownloadError ? err : null;
      // a write error because the storage went away is no fault of the file: it waits for the storage
      if ((controller.signal.aborted && (!e || e.code === 'Canceled')) || (await storageLost(controller, log))) {
        await repo.setFileStatus(db, f.id, { status: 'pending', bytesDone: progress.fileBytes.get(f.id) ?? 0 });
        return null;
      }
      const message = e?.message ?? `unexpected error: ${(err as Error).message}`;
      progress.filesFailed++;
      log.line(`failed ${f.path}: ${message}`);
      await repo.setFileStatus(db, f.id, { status: 'failed', error: message, bytesDone: progress.fileBytes.get(f.id) ?? 0 });
      // A full disk fails every other file too: stop instead of churning through them.
      return e?.code === 'NoSpace' ? { stopsJob: true, message } : null;
    } finally {
      await locks.release(dest);
    }
  }

  async function fetchWithHfCli(d: DownloadRow, todo: JobFileRow[], dir: string, controller: AbortController, progress: JobProgress, log: JobLog): Promise<void> {
    if (todo.length === 0) return;
    for (const f of todo) await repo.setFileStatus(db, f.id, { status: 'downloading' });
    const before = await bytesUnder(dir);
    const goal = todo.reduce((n, f) => n + f.size_bytes, 0);
    let counted = 0;
    let hfError: string | null = null;
    log.line(`hf download: ${todo.length} files`);
    try {
      await runHfCli({
        repoId: `${d.author}/${d.repo}`,
        commit: d.commit_sha!,
        paths: todo.map((f) => f.path),
        dir,
        endpoint: config.hub.endpoint,
        token: config.hub.token,
        hfHome: path.join(config.dataDir, 'hf-home'),
        cli: config.downloads.hfCli,
        signal: controller.signal,
        onDiskBytes: (bytes) => {
          const now = Math.min(goal, Math.max(0, bytes - before));
          progress.addUnassigned(now - counted);
          counted = now;
        },
      });
    } catch (err) {
      hfError = (err as Error).message;
      log.line(hfError);
    }
    progress.addUnassigned(-counted);
    if (controller.signal.aborted) {
      for (const f of todo) await repo.setFileStatus(db, f.id, { status: 'pending' });
      return;
    }
    // hf's own checks vary by version: every file is checked here, as the Node engine does.
    for (const f of todo) {
      const problem = await verifyFile(finalPath(dir, f.path), f);
      if (problem === null) {
        progress.found(f.id, f.size_bytes);
        progress.filesDone++;
        await repo.setFileStatus(db, f.id, { status: 'done', bytesDone: f.size_bytes });
        log.line(`done ${f.path}`);
      } else {
        const message = hfError ?? problem;
        progress.filesFailed++;
        await repo.setFileStatus(db, f.id, { status: 'failed', error: message });
        log.line(`failed ${f.path}: ${message}`);
        if (problem !== 'not downloaded') await rm(finalPath(dir, f.path), { force: true });
      }
    }
  }

  /**
   * True (and the job paused: its files back to pending, the job back to queued) when the storage is
   * not usable any more, e.g. the NAS was unmounted: nothing may be written to the empty mount point.
   */
  async function storageLost(controller: AbortController, log: JobLog, known?: string): Promise<boolean> {
    if (controller.signal.reason === 'storage') return true;
    const s = known === undefined ? await deps.storage.state() : { ok: false as const, message: known };
    if (s.ok) return false;
    if (!controller.signal.aborted) {
      log.line(`paused: ${s.message}; the download resumes when the storage is back`);
      controller.abort('storage');
    }
    return true;
  }

  function createFlusher(downloadId: string, progress: JobProgress, log: JobLog, onCanceled: () => void) {
    let busy: Promise<void> | null = null;
    let filesWrittenAt = 0;
    return async (final = false) => {
      if (busy) {
        if (!final) return;
        await busy;
      }
      busy = (async () => {
        const { speedBps, etaS } = progress.sample();
        await log.flush();
        if (final || Date.now() - filesWrittenAt >= FILE_BYTES_INTERVAL_MS) {
          filesWrittenAt = Date.now();
          await repo.setFilesBytes(db, progress.takeDirtyFiles());
        }
        const status = await repo.writeProgress(db, downloadId, {
          bytesDone: progress.bytesDone,
          bytesTotal: progress.bytesTotal,
          filesDone: progress.filesDone,
          filesFailed: progress.filesFailed,
          speedBps,
          etaS,
          waiting: progress.waiting(),
          log: log.tail(),
        });
        // canceled, or canceled and already queued again by a retry (the new attempt waits for this one)
        if (status === 'canceled' || status === 'queued') onCanceled();
      })().catch((err) => deps.log.warn({ err, downloadId }, 'could not record progress'));
      await busy;
      busy = null;
    };
  }

  async function settle(d: DownloadRow, reason: unknown, jobError: string | null, progress: JobProgress, log: JobLog): Promise<void> {
    let final: { status: 'queued' | 'failed' | 'succeeded'; error: string | null } | null = null;
    if (reason === 'canceled') {
      // the cancel route has set the status already
      log.line('canceled');
    } else if (reason === 'shutdown') {
      log.line('paused: the server is shutting down; the download resumes when it is back');
      final = { status: 'queued', error: null };
    } else if (reason === 'storage') {
      final = { status: 'queued', error: null };
    } else if (jobError) {
      final = { status: 'failed', error: jobError };
    } else if (progress.filesFailed > 0) {
      const msg = `${progress.filesFailed} of ${progress.filesTotal} files failed; see the per-file errors and retry`;
      log.line(msg);
      final = { status: 'failed', error: msg };
    } else {
      log.line(`succeeded: ${progress.filesTotal} files, ${formatBytes(progress.bytesTotal)}`);
      final = { status: 'succeeded', error: null };
    }
    // whoever sees the final status also sees the whole log (file and tail) and the updated catalog
    await log.flush();
    const commit = !jobError && progress.filesFailed === 0 && reason === undefined ? d.commit_sha : null;
    await withTransaction(db, async (tx) => {
      await repo.setLog(tx, d.id, log.tail());
      await repo.refreshModel(tx, d.model_id, commit);
      if (final) await repo.finish(tx, d.id, final);
    });
    if (reason === 'shutdown') throw new JobInterrupted('interrupted by shutdown');
    if (reason === 'storage') throw new JobInterrupted('paused: the storage is not usable');
  }

  return {
    run,
    /** Stops every running job, keeping partial files, so the queue resumes them after a restart. */
    interruptAll(): void {
      for (const c of running.values()) c.abort('shutdown');
    },
    runningCount: () => running.size,
  };
}

export type DownloadRunner = ReturnType<typeof createDownloadRunner>;
