// One attempt of a copy or move job (transfer.service.ts queues them): copies every file of the source
// revision that the target does not hold yet (copy-file.ts), records each in the target's catalog entry,
// and for a move removes the source, files then catalog entry, only once every file is verified on the
// target. A crash anywhere is resumed by the next attempt: files done on the target are checked by size
// and skipped, partials resume, and a move whose copying was complete goes straight to the removal.
import { lstat, stat } from 'node:fs/promises';
import { catalogRepository as catalog, type ModelFileRow, type ModelKey } from '../catalog/catalog.repository.ts';
import { withTransaction } from '../db/pool.ts';
import { downloadsRepository as repo, type DownloadRow } from '../downloads/downloads.repository.ts';
import { DownloadError } from '../engine/errors.ts';
import { partialPath, sidecarPath } from '../engine/sidecar.ts';
import type { FileLocks } from '../jobs/file-lock.ts';
import { finalState } from '../jobs/final-state.ts';
import { JobInterrupted, type JobContext } from '../jobs/job-run.ts';
import { JobLog } from '../jobs/job-log.ts';
import { JobProgress } from '../jobs/job-progress.ts';
import { ProgressWriter } from '../jobs/progress-writer.ts';
import type { RunnableJob } from '../jobs/runnable-job.ts';
import { assertSpace, formatBytes } from '../storage/disk-space.ts';
import { finalPath } from '../storage/file-paths.ts';
import { modelDir, revisionFolder } from '../storage/layout.ts';
import { ensureDirNoSymlinks } from '../storage/safe-fs.ts';
import { copyFile, renameInto } from './copy-file.ts';
import { removeRevisionFiles } from './remove-files.ts';
import { sourceRootState } from './source-root.ts';

interface Plan {
  target: { root: string; dir: string };
  /** null: a move whose source was already removed (the attempt before ended right after) */
  source: (ModelKey & { id: string; root: string; dir: string; files: Map<string, ModelFileRow> }) | null;
  todo: ModelFileRow[];
  /** a move within one file system: files are renamed, not copied */
  rename: boolean;
}

// a link is never a copied file (nor a partial one)
const sizeOnDisk = (p: string) =>
  lstat(p).then(
    (s) => (s.isFile() ? s.size : -1),
    () => -1,
  );

export class TransferJob implements RunnableJob {
  readonly controller = new AbortController();
  readonly progress: JobProgress;
  readonly log: JobLog;
  #jobError: string | null = null;
  readonly #ctx: JobContext;
  readonly #locks: FileLocks;
  readonly #d: DownloadRow;
  readonly #files: ModelFileRow[];

  constructor(ctx: JobContext, locks: FileLocks, d: DownloadRow, files: ModelFileRow[]) {
    this.#ctx = ctx;
    this.#locks = locks;
    this.#d = d;
    this.#files = files;
    this.log = new JobLog(ctx.config.downloads.logDir, d.id, d.log, ctx.config.storageRoot);
    this.progress = new JobProgress(
      files.reduce((n, f) => n + f.size_bytes, 0),
      files.length,
    );
  }

  async run(): Promise<void> {
    const { db } = this.#ctx;
    const writer = new ProgressWriter({
      db,
      downloadId: this.#d.id,
      progress: this.progress,
      log: this.log,
      logger: this.#ctx.logger,
      onCanceled: () => this.controller.abort('canceled'),
    });
    writer.start();
    try {
      const plan = await this.#prepare();
      if (plan) {
        await this.#copyAll(plan);
        if (this.#d.kind === 'move' && !this.controller.signal.aborted && !this.#jobError && this.progress.filesFailed === 0) await this.#removeSource(plan);
      }
    } catch (err) {
      this.#jobError = (err as Error).message;
      this.log.line(`failed: ${this.#jobError}`);
    } finally {
      await writer.stop();
      await this.#settle(this.controller.signal.reason);
    }
  }

  /** The real root of a storage root, or null with the job paused (a root not mounted takes no writes). */
  async #root(name: string, source = false): Promise<string | null> {
    const s = source ? await sourceRootState(this.#ctx.roots, name, this.#d.kind === 'move' ? 'move' : 'copy') : await this.#ctx.roots.guard(name).state();
    if (s.ok) return s.root;
    if (!this.controller.signal.aborted) {
      this.log.line(`paused: ${s.message}; the ${this.#d.kind} resumes when the storage is back`);
      this.controller.abort('storage');
    }
    return null;
  }

  #refuse(why: string): null {
    this.#jobError = why;
    this.log.line(`refused: ${why}`);
    return null;
  }

  async #prepare(): Promise<Plan | null> {
    const d = this.#d;
    const { db, roots } = this.#ctx;
    if (!roots.has(d.storage)) return this.#refuse(`the storage root "${d.storage}" is no longer configured (STORAGE_ROOTS)`);
    const targetRoot = await this.#root(d.storage);
    if (!targetRoot) return null;
    const target = { root: targetRoot, dir: modelDir(targetRoot, d.author, d.repo, d.revision) };
    try {
      await ensureDirNoSymlinks(targetRoot, [d.author, d.repo, revisionFolder(d.revision)]);
    } catch (err) {
      return this.#refuse((err as Error).message);
    }
    const todo: ModelFileRow[] = [];
    for (const f of this.#files) {
      // recorded as done and still there at the right size: copied by an earlier attempt
      if (f.status === 'done' && (await sizeOnDisk(finalPath(target.dir, f.path))) === f.size_bytes) {
        this.progress.found(f.id, f.size_bytes);
        this.progress.filesDone++;
      } else {
        todo.push(f);
      }
    }
    const src = d.source_model_id ? await catalog.model(db, d.source_model_id) : null;
    if (!src) {
      if (d.kind === 'move' && todo.length === 0) {
        this.log.line('the source was already removed; every file is on the target');
        return { target, source: null, todo, rename: false };
      }
      return this.#refuse('the source revision is no longer in the catalog (deleted or moved meanwhile)');
    }
    if (!roots.has(src.storage)) return this.#refuse(`the storage root "${src.storage}" of the source is no longer configured (STORAGE_ROOTS)`);
    const sourceRoot = await this.#root(src.storage, true);
    if (!sourceRoot) return null;
    const source = {
      ...src,
      root: sourceRoot,
      dir: modelDir(sourceRoot, src.author, src.repo, src.revision),
      files: new Map((await catalog.files(db, src.id)).map((f) => [f.path, f])),
    };
    // a move within one file system renames: nothing is written, no room is needed
    const rename = d.kind === 'move' && (await stat(sourceRoot)).dev === (await stat(targetRoot)).dev;
    // else only what is not on the target yet needs room there (a copy's own partial is a prefix of its file)
    let needed = 0;
    for (const f of rename ? [] : todo) {
      const dest = finalPath(target.dir, f.path);
      const partial = (await sizeOnDisk(sidecarPath(dest))) >= 0 ? 0 : Math.max(0, await sizeOnDisk(partialPath(dest)));
      needed += Math.max(0, f.size_bytes - partial);
    }
    try {
      await assertSpace(targetRoot, needed, await repo.bytesStillNeeded(db, d.storage, d.id), this.#ctx.reserveBytes());
    } catch (err) {
      return this.#refuse((err as Error).message);
    }
    const done = this.#files.length - todo.length;
    this.log.line(
      `started: ${d.kind} from "${src.storage}" to "${d.storage}": ${todo.length} of ${this.#files.length} files to ${rename ? 'rename (one file system)' : `copy (${formatBytes(needed)})`}${done ? `, ${done} already there` : ''}`,
    );
    return { target, source, todo, rename };
  }

  async #copyAll(plan: Plan): Promise<void> {
    const { db } = this.#ctx;
    const { signal } = this.controller;
    const source = plan.source;
    if (!source) return;
    for (const f of plan.todo) {
      if (signal.aborted) break;
      // a root unmounted mid-job: stop before writing to (or reading from) an empty mount point
      if (!(await this.#root(this.#d.storage)) || !(await this.#root(source.storage, true))) break;
      const dest = finalPath(plan.target.dir, f.path);
      if (!(await this.#locks.acquire(dest, () => signal.aborted))) break;
      try {
        await catalog.setFileStatus(db, f.id, { status: 'downloading' });
        const from = source.files.get(f.path);
        if (!from) throw new DownloadError('IntegrityError', `${f.path} is no longer part of the source revision`, { permanent: true });
        const task = {
          path: f.path,
          size: f.size_bytes,
          sha256: f.sha256 ?? undefined,
          gitOid: !f.is_lfs && f.git_oid ? f.git_oid : undefined,
          srcRoot: source.root,
          src: finalPath(source.dir, f.path),
          destRoot: plan.target.root,
          dest,
        };
        let sha256: string | null = null;
        if (plan.rename && (await renameInto(task, signal)) === null) {
          plan.rename = false;
          this.log.line('the roots are different mounts of one file system: copying instead of renaming');
        }
        if (plan.rename) {
          // the file has left the source: its row there says so at once (the catalog never claims it)
          await withTransaction(db, async (tx) => {
            await catalog.setFileStatus(tx, f.id, { status: 'done', bytesDone: f.size_bytes });
            await catalog.setFileStatus(tx, from.id, { status: 'pending', error: `moved to the storage root "${this.#d.storage}"`, bytesDone: 0 });
            await catalog.refreshModel(tx, source.id, null);
          });
        } else {
          sha256 = (
            await copyFile(task, {
              signal,
              maxBytesPerSecond: this.#ctx.config.downloads.copyMaxBytesPerSecond,
              onBytes: (n) => this.progress.add(f.id, n),
              onResume: (n) => this.progress.found(f.id, n),
              log: (line) => this.log.line(line),
            })
          ).sha256;
          await catalog.setFileStatus(db, f.id, { status: 'done', sha256, bytesDone: f.size_bytes });
        }
        this.progress.found(f.id, f.size_bytes - (this.progress.fileBytes.get(f.id) ?? 0));
        this.progress.filesDone++;
        this.log.line(`${plan.rename ? 'moved' : 'copied'} ${f.path}`);
      } catch (err) {
        const e = err instanceof DownloadError ? err : new DownloadError('IOError', (err as Error).message, { permanent: true });
        const bytesDone = this.progress.fileBytes.get(f.id) ?? 0;
        if (e.code === 'Canceled' || (signal.aborted && !e.permanent)) {
          await catalog.setFileStatus(db, f.id, { status: 'pending', bytesDone });
          break;
        }
        this.progress.filesFailed++;
        this.log.line(`failed ${f.path}: ${e.message}`);
        await catalog.setFileStatus(db, f.id, { status: 'failed', error: e.message, bytesDone });
        // a full disk fails every other file too: stop instead of churning through them
        if (e.code === 'NoSpace') {
          this.#jobError = e.message;
          break;
        }
      } finally {
        await this.#locks.release(dest);
      }
    }
  }

  /** The end of a move: every file is verified on the target, so the source goes, files first. */
  async #removeSource(plan: Plan): Promise<void> {
    const { db } = this.#ctx;
    const d = this.#d;
    const source = plan.source;
    if (!source) return;
    const others = (await repo.activeJobsOn(db, source.id)).filter((j) => j.id !== d.id);
    if (others.length) {
      this.#jobError = `every file is on "${d.storage}", but a ${others[0]!.kind} job (${others[0]!.id}) now uses the source; retry the move once it ends to remove the source`;
      this.log.line(this.#jobError);
      return;
    }
    if (!(await this.#root(source.storage, true))) return;
    // From here on the source no longer counts as present (the catalog never claims files being removed);
    // a crash before the entry is gone is finished by the next attempt.
    await withTransaction(db, async (tx) => {
      await catalog.markFilesLeaving(tx, source.id, `moved to the storage root "${d.storage}"; being removed here`);
      await catalog.refreshModel(tx, source.id, null);
    });
    const removed = await removeRevisionFiles(source.root, source.dir, [...source.files.keys()]);
    this.log.line(`removed the source on "${source.storage}": ${removed.deleted} files, ${formatBytes(removed.freedBytes)} freed`);
    await withTransaction(db, async (tx) => {
      // the revision's earlier jobs (who downloaded it) follow it to the target
      await repo.moveHistory(tx, source.id, d.model_id);
      await catalog.deleteModel(tx, source.id);
    });
  }

  async #settle(reason: unknown): Promise<void> {
    const { db } = this.#ctx;
    const { log, progress } = this;
    const d = this.#d;
    const final = await finalState(reason, { jobError: this.#jobError, progress, log, what: d.kind }, async () => {
      log.line(`succeeded: ${progress.filesTotal} files, ${formatBytes(progress.bytesTotal)} ${d.kind === 'move' ? 'moved' : 'copied'} to "${d.storage}"`);
      return { status: 'succeeded', error: null };
    });
    await log.flush();
    await withTransaction(db, async (tx) => {
      await repo.setLog(tx, d.id, log.tail());
      await catalog.refreshModel(tx, d.model_id, final?.status === 'succeeded' ? d.commit_sha : null);
      if (final) await repo.finish(tx, d.id, final);
    });
    if (reason === 'shutdown') throw new JobInterrupted('interrupted by shutdown');
    if (reason === 'storage') throw new JobInterrupted('paused: the storage is not usable');
  }
}
