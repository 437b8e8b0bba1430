// One running download job: prepares its files, drives the engine's file-set loop over them (or the hf
// CLI) with the per-file steps of job-file-hooks.ts, and settles the job. The runner (job-runner.ts)
// makes one per attempt.
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { catalogRepository as catalog, type ModelFileRow } from '../catalog/catalog.repository.ts';
import type { AppConfig } from '../config/config.ts';
import { withTransaction, type Db } from '../db/pool.ts';
import { downloadsRepository as repo, type DownloadRow } from '../downloads/downloads.repository.ts';
import { linkDuplicates, type DedupJob } from '../library/dedup.ts';
import type { CredentialOutcome } from '../account/hf-tokens.service.ts';
import { describeCredential } from '../hub/hub-credential.ts';
import type { HubService } from '../hub/hub.service.ts';
import { type BandwidthLimiter, runFileSet, type FileScheduler } from '../engine/index.ts';
import { partialPath } from '../engine/sidecar.ts';
import { assertSpace, formatBytes } from '../storage/disk-space.ts';
import { finalPath } from '../storage/file-paths.ts';
import { revisionFolder } from '../storage/layout.ts';
import { ensureDirNoSymlinks } from '../storage/safe-fs.ts';
import type { StorageRoots } from '../storage/storage-roots.ts';
import type { EngineSettings } from './engine-settings.ts';
import type { FileLocks } from './file-lock.ts';
import { fetchRefusedByBridge, fetchWithHfCli } from './hf-cli-files.ts';
import { JobFileHooks } from './job-file-hooks.ts';
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
  readonly #ctx: JobContext;
  readonly #locks: FileLocks;
  readonly #files: ModelFileRow[];
  readonly #opts: JobRunOptions;

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
    } catch (err) {
      // an error no step expected (a bug, the database refusing a write) fails the job with its words:
      // settled without it, the job would read "succeeded" with files missing. Not thrown on, or the
      // queue would run a failed job again by itself; Retry resumes it from its partial files.
      this.#ctx.logger.error({ err, downloadId: this.d.id }, 'a download job stopped on an unexpected error');
      this.#jobError ??= `stopped on an unexpected error: ${(err as Error)?.message ?? String(err)}`;
      this.log.line(`failed: ${this.#jobError}`);
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
    const dedup = this.dedupJob(this.controller.signal);
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
    const hooks = new JobFileHooks(this, { root: this.#root, locks: this.#locks, settings: this.#ctx.settings, limiter: this.#ctx.limiter });
    const { stoppedBy } = await runFileSet(
      todo.map((f) => hooks.item(f)),
      { scheduler: this.#ctx.scheduler, signal: this.controller.signal, hooks },
    );
    // A full disk fails every other file too: the set stopped instead of churning through them.
    if (stoppedBy?.code === 'NoSpace') this.#jobError = stoppedBy.message;
    if (hooks.refused.length && !this.controller.signal.aborted) await fetchRefusedByBridge(this, hooks.refused);
  }

  /** What de-duplication needs of this job, or null when it is off ("Verify and re-download" trusts no copy). */
  dedupJob(signal: AbortSignal): DedupJob | null {
    const { d } = this;
    if (this.config.dedup !== 'auto' || d.force) return null;
    return { db: this.db, storage: d.storage, root: this.#root, dir: this.dir, locks: this.#locks, log: this.log, progress: this.progress, signal };
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
