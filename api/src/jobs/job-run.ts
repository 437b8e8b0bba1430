// One running download job: prepares its files, drives the engine's file-set loop over them (or the hf
// CLI), records every file's outcome in the catalog and settles the job. The runner (job-runner.ts)
// makes one per attempt.
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { catalogRepository as catalog, type ModelFileRow } from '../catalog/catalog.repository.ts';
import type { AppConfig } from '../config/config.ts';
import { withTransaction, type Db } from '../db/pool.ts';
import { downloadsRepository as repo, type DownloadRow } from '../downloads/downloads.repository.ts';
import { contentLockKey, linkDuplicates, type DedupJob } from '../library/dedup.ts';
import type { CredentialOutcome } from '../account/hf-tokens.service.ts';
import { describeCredential } from '../hub/hub-credential.ts';
import type { HubService } from '../hub/hub.service.ts';
import {
  type BandwidthLimiter,
  DownloadError,
  downloadFile,
  runFileSet,
  type FileOutcome,
  type FileResult,
  type FileScheduler,
  type SlotLease,
  type FileTask,
} from '../engine/index.ts';
import { partialPath } from '../engine/sidecar.ts';
import { assertSpace, formatBytes } from '../storage/disk-space.ts';
import { finalPath, resolveUrl } from '../storage/file-paths.ts';
import { revisionFolder } from '../storage/layout.ts';
import { ensureDirNoSymlinks } from '../storage/safe-fs.ts';
import type { StorageRoots } from '../storage/storage-roots.ts';
import type { EngineSettings } from './engine-settings.ts';
import type { FileLocks } from './file-lock.ts';
import { fetchRefusedByBridge, fetchWithHfCli } from './hf-cli-files.ts';
import { refusedByBridge } from './hf-xet.ts';
import { finalState } from './final-state.ts';
import { notifyJobEnd } from '../notify/notify-events.ts';
import { JobLog } from './job-log.ts';
import { JobProgress } from './job-progress.ts';
import { ProgressWriter } from './progress-writer.ts';

/** What every job of this process shares. */
export interface JobContext {
  db: Db;
  config: AppConfig;
  logger: FastifyBaseLogger;
  roots: StorageRoots;
  hub: HubService;
  scheduler: FileScheduler;
  settings: EngineSettings;
  /** bytes always left free on a root, as the Settings page says now */
  reserveBytes: () => number;
  /** whose Hugging Face token this job uses (job-runner.ts), or why the user's cannot be used */
  hubToken?: CredentialOutcome;
  /** the bandwidth limit every download of this process shares (api/src/bandwidth) */
  limiter?: BandwidthLimiter | undefined;
}

export interface JobRunOptions {
  /** the folder the job writes, relative to the root, when not the revision's own (an update's staging) */
  workParts?: string[];
  /** last step of a job whose files all succeeded (an update swaps its folder in); a throw fails the job */
  beforeSuccess?: (run: JobRun) => Promise<void>;
}

// Thrown out of a job interrupted by shutdown so the queue hands it out again after restart.
export class JobInterrupted extends Error {}

interface JobFile {
  task: FileTask;
  file: ModelFileRow;
}

// a link is never a downloaded file (nor a partial one): storage/safe-fs.ts
const sizeOnDisk = (p: string) =>
  lstat(p).then(
    (s) => (s.isFile() ? s.size : -1),
    () => -1,
  );

export class JobRun {
  readonly controller = new AbortController();
  readonly progress: JobProgress;
  readonly log: JobLog;
  /** the revision folder, on the storage root as it is now */
  dir: string;
  #root: string;
  #jobError: string | null = null;
  /** files the Hub's download bridge refused (too large without Xet), with why */
  readonly #refused: Array<{ file: ModelFileRow; why: string }> = [];
  readonly #ctx: JobContext;
  readonly #locks: FileLocks;
  readonly #files: ModelFileRow[];
  readonly #opts: JobRunOptions;
  /** files linked (de-duplication) while the set ran: their rows and progress are recorded already */
  readonly #linked = new Set<string>();
  /** the content lock each running file holds (#begin to #end) */
  readonly #contentLocks = new Map<string, string>();

  readonly d: DownloadRow;

  constructor(ctx: JobContext, locks: FileLocks, d: DownloadRow, files: ModelFileRow[], opts: JobRunOptions = {}) {
    this.d = d;
    this.#opts = opts;
    this.#ctx = ctx;
    this.#locks = locks;
    this.#files = files;
    this.#root = ctx.roots.path(d.storage) ?? '';
    this.dir = ctx.roots.revisionDir(d);
    this.log = new JobLog(ctx.config.downloads.logDir, d.id, d.log, ctx.config.storageRoot);
    this.progress = new JobProgress(
      files.reduce((n, f) => n + f.size_bytes, 0),
      files.length,
    );
  }

  get db(): Db {
    return this.#ctx.db;
  }

  get config(): AppConfig {
    return this.#ctx.config;
  }

  /** the Hugging Face token this job sends (its user's own, else HF_TOKEN): for the hf CLI's environment */
  get hubToken(): string | undefined {
    return this.#ctx.settings.token;
  }

  get limiter(): BandwidthLimiter | undefined {
    return this.#ctx.limiter;
  }

  async run(): Promise<void> {
    const writer = new ProgressWriter({
      db: this.db,
      downloadId: this.d.id,
      progress: this.progress,
      log: this.log,
      logger: this.#ctx.logger,
      onCanceled: () => this.controller.abort('canceled'),
    });
    writer.start();
    try {
      const todo = await this.#prepare();
      if (todo === null || todo.length === 0) return;
      if (this.d.engine === 'hf') await fetchWithHfCli(this, todo);
      else await this.#fetchWithEngine(todo);
    } finally {
      await writer.stop();
      await this.#settle(this.controller.signal.reason);
    }
  }

  /** The files still to fetch, or null when the job cannot start (the reason is logged). */
  async #prepare(): Promise<ModelFileRow[] | null> {
    const { d } = this;
    const t = this.#ctx.hubToken;
    if (t && !t.ok) return this.#refuse(t.problem);
    if (t?.ok) this.log.line(`using ${describeCredential(t.cred)}`);
    if (!this.#ctx.roots.has(d.storage)) return this.#refuse(`the storage root "${d.storage}" is no longer configured (STORAGE_ROOTS)`);
    const storage = await this.#ctx.roots.guard(d.storage).state();
    if (!storage.ok) {
      await this.storageLost(storage.message);
      return null;
    }
    this.#root = storage.root;
    const parts = this.#opts.workParts ?? [d.author, d.repo, revisionFolder(d.revision)];
    this.dir = path.join(storage.root, ...parts);
    const unsafe = await ensureDirNoSymlinks(storage.root, parts).then(
      () => null,
      (err: Error) => err.message,
    );
    if (unsafe) return this.#refuse(unsafe);
    let todo = await this.#skipFilesAlreadyDone();
    // "Verify and re-download" trusts nothing on disk, not even another revision's copy
    const dedup = this.#dedup(this.controller.signal);
    if (dedup) todo = await linkDuplicates(dedup, todo);
    const partials = await Promise.all(todo.map((f) => sizeOnDisk(partialPath(finalPath(this.dir, f.path)))));
    const needed = todo.reduce((n, f, i) => n + Math.max(0, f.size_bytes - Math.max(0, partials[i]!)), 0);
    try {
      await assertSpace(storage.root, needed, await repo.bytesStillNeeded(this.db, d.storage, d.id), this.#ctx.reserveBytes());
    } catch (err) {
      return this.#refuse((err as Error).message);
    }
    this.log.line(`started: ${todo.length} of ${this.#files.length} files to fetch (${formatBytes(needed)}) at commit ${d.commit_sha}`);
    return todo;
  }

  #refuse(why: string): null {
    this.#jobError = why;
    this.log.line(`refused: ${why}`);
    return null;
  }

  async #skipFilesAlreadyDone(): Promise<ModelFileRow[]> {
    const todo: ModelFileRow[] = [];
    for (const f of this.#files) {
      // recorded as done and still there at the right size: no need to read it again
      if (!this.d.force && f.status === 'done' && (await sizeOnDisk(finalPath(this.dir, f.path))) === f.size_bytes) {
        this.progress.found(f.id, f.size_bytes);
        this.progress.filesDone++;
        this.log.line(`skipped ${f.path}: already downloaded`);
      } else {
        todo.push(f);
      }
    }
    return todo;
  }

  async #fetchWithEngine(todo: ModelFileRow[]): Promise<void> {
    const { stoppedBy } = await runFileSet(
      todo.map((f) => this.#jobFile(f)),
      {
        scheduler: this.#ctx.scheduler,
        signal: this.controller.signal,
        hooks: {
          begin: (item, signal) => this.#begin(item, signal),
          fetch: (item, connections, signal, slot) => this.#fetch(item, connections, signal, slot),
          settle: (item, outcome) => this.#record(item, outcome),
          end: (item) => this.#end(item),
        },
      },
    );
    // A full disk fails every other file too: the set stopped instead of churning through them.
    if (stoppedBy?.code === 'NoSpace') this.#jobError = stoppedBy.message;
    if (this.#refused.length && !this.controller.signal.aborted) await fetchRefusedByBridge(this, this.#refused);
  }

  #jobFile(f: ModelFileRow): JobFile {
    const { d } = this;
    return {
      file: f,
      task: {
        path: f.path,
        size: f.size_bytes,
        sha256: f.sha256 ?? undefined,
        gitOid: !f.is_lfs && f.git_oid ? f.git_oid : undefined,
        url: resolveUrl(this.config.hub.endpoint, d.author, d.repo, d.commit_sha!, f.path),
        dest: finalPath(this.dir, f.path),
        root: this.#root,
      },
    };
  }

  async #begin({ task, file }: JobFile, signal: AbortSignal): Promise<boolean> {
    if (await this.storageLost()) return false;
    if (!(await this.#locks.acquire(task.dest, () => signal.aborted))) return false;
    // another job fetching the same content on this root: wait until it is recorded, then link it (#fetch)
    const key = this.#dedup(signal) ? contentLockKey(this.d.storage, file) : null;
    if (key) {
      if (!(await this.#locks.acquire(key, () => signal.aborted))) {
        await this.#locks.release(task.dest);
        return false;
      }
      this.#contentLocks.set(file.id, key);
    }
    await catalog.setFileStatus(this.db, file.id, { status: 'downloading' });
    return true;
  }

  async #end({ task, file }: JobFile): Promise<void> {
    await this.#locks.release(task.dest);
    const key = this.#contentLocks.get(file.id);
    this.#contentLocks.delete(file.id);
    if (key) await this.#locks.release(key);
  }

  /** What de-duplication needs of this job, or null when it is off ("Verify and re-download" trusts no copy). */
  #dedup(signal: AbortSignal): DedupJob | null {
    const { d } = this;
    if (this.config.dedup !== 'auto' || d.force) return null;
    return { db: this.db, storage: d.storage, root: this.#root, dir: this.dir, locks: this.#locks, log: this.log, progress: this.progress, signal };
  }

  async #fetch(item: JobFile, connections: number, signal: AbortSignal, slot: SlotLease): Promise<FileResult> {
    const dedup = this.#contentLocks.has(item.file.id) ? this.#dedup(signal) : null;
    if (!dedup || (await linkDuplicates(dedup, [item.file])).length) return this.#download(item, connections, signal, slot);
    // linked from what another job fetched meanwhile: recorded already
    this.#linked.add(item.file.id);
    return { status: 'skipped', sha256: item.file.sha256 ?? '', bytesFetched: 0 };
  }

  async #download({ task, file }: JobFile, connections: number, signal: AbortSignal, slot: SlotLease): Promise<FileResult> {
    const result = await downloadFile(task, {
      ...this.#ctx.settings,
      segmentConnections: connections,
      signal,
      slot,
      limiter: this.#ctx.limiter,
      onBytes: (_p, delta) => this.progress.add(file.id, delta),
      onWaiting: (p, w) => this.progress.setWaiting(p, w),
      onEvent: (e) => {
        // bytes found on disk when resuming count as done, not as speed (onBytes reports only new ones)
        if (e.type === 'resume' && e.bytes) this.progress.found(file.id, e.bytes);
        this.log.line(`${e.type} ${e.path}${e.message ? `: ${e.message}` : ''}`);
      },
    });
    // a file renamed into place just as the storage went away (lazy unmount) is not there
    if (await this.storageLost()) throw new DownloadError('Canceled', `${file.path}: the storage went away`, { permanent: false });
    return result;
  }

  async #record({ file: f }: JobFile, outcome: FileOutcome): Promise<void> {
    const { progress } = this;
    progress.setWaiting(f.path, null);
    if (outcome.result && this.#linked.has(f.id)) return;
    const bytesDone = progress.fileBytes.get(f.id) ?? 0;
    if (outcome.result) {
      progress.found(f.id, f.size_bytes - bytesDone);
      progress.filesDone++;
      await catalog.setFileStatus(this.db, f.id, { status: 'done', sha256: outcome.result.sha256, bytesDone: f.size_bytes });
      return;
    }
    const e = outcome.error;
    // stopped (cancel, shutdown, the set stopping) or the storage went away: no fault of the file, it waits
    const interrupted = e.code === 'Canceled' || (this.controller.signal.aborted && !e.permanent);
    if (interrupted || (await this.storageLost())) {
      await catalog.setFileStatus(this.db, f.id, { status: 'pending', bytesDone });
      return;
    }
    if (refusedByBridge(e)) {
      this.#refused.push({ file: f, why: e.message });
      await catalog.setFileStatus(this.db, f.id, { status: 'pending', bytesDone });
      return;
    }
    progress.filesFailed++;
    this.log.line(`failed ${f.path}: ${e.message}`);
    await catalog.setFileStatus(this.db, f.id, { status: 'failed', error: e.message, bytesDone });
  }

  /**
   * True (and the job paused: its files back to pending, the job back to queued) when the storage is
   * not usable any more, e.g. the NAS was unmounted: nothing may be written to the empty mount point.
   */
  async storageLost(known?: string): Promise<boolean> {
    const { controller } = this;
    if (controller.signal.reason === 'storage') return true;
    const s = known === undefined ? await this.#ctx.roots.guard(this.d.storage).state() : { ok: false as const, message: known };
    if (s.ok) return false;
    if (!controller.signal.aborted) {
      this.log.line(`paused: ${s.message}; the download resumes when the storage is back`);
      controller.abort('storage');
    }
    return true;
  }

  async #lastStep(): Promise<{ status: 'failed' | 'succeeded'; error: string | null }> {
    const { log, progress } = this;
    try {
      await this.#opts.beforeSuccess?.(this);
    } catch (err) {
      const msg = (err as Error).message;
      log.line(`failed: ${msg}`);
      return { status: 'failed', error: msg };
    }
    log.line(`succeeded: ${progress.filesTotal} files, ${formatBytes(progress.bytesTotal)}`);
    return { status: 'succeeded', error: null };
  }

  async #settle(reason: unknown): Promise<void> {
    const { d, log, progress } = this;
    const final = await finalState(reason, { jobError: this.#jobError, progress, log, what: 'download' }, () => this.#lastStep());
    // whoever sees the final status also sees the whole log (file and tail) and the updated catalog
    await log.flush();
    const commit = final?.status === 'succeeded' ? d.commit_sha : null;
    await withTransaction(this.db, async (tx) => {
      await repo.setLog(tx, d.id, log.tail());
      await catalog.refreshModel(tx, d.model_id, commit);
      if (final) await repo.finish(tx, d.id, final);
      // notifications of the end go with it, or neither does (a crash before this commit runs the job again)
      if (final) await notifyJobEnd(tx, this.#ctx.logger, d, final);
    });
    if (reason === 'shutdown') throw new JobInterrupted('interrupted by shutdown');
    if (reason === 'storage') throw new JobInterrupted('paused: the storage is not usable');
  }
}
