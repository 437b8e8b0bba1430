// What a download job does around each of its files in the engine's file-set loop (engine/file-set.ts):
// take the file's locks, link a copy another job fetched meanwhile, download it, record its outcome in
// the catalog, and let go. JobRun (job-run.ts) makes one per run of the engine.
import { catalogRepository as catalog, type ModelFileRow } from '../catalog/catalog.repository.ts';
import {
  type BandwidthLimiter,
  DownloadError,
  downloadFile,
  type FileOutcome,
  type FileResult,
  type FileSetHooks,
  type FileTask,
  type SlotLease,
} from '../engine/index.ts';
import { contentLockKey, linkDuplicates } from '../library/dedup.ts';
import { finalPath, resolveUrl } from '../storage/file-paths.ts';
import type { EngineSettings } from './engine-settings.ts';
import type { FileLocks } from './file-lock.ts';
import { refusedByBridge } from './hf-xet.ts';
import type { JobRun } from './job-run.ts';

export interface JobFile {
  task: FileTask;
  file: ModelFileRow;
}

export class JobFileHooks implements FileSetHooks<JobFile> {
  /** files the Hub's download bridge refused (too large without Xet), with why: fetched with the hf CLI after */
  readonly refused: Array<{ file: ModelFileRow; why: string }> = [];
  readonly #run: JobRun;
  readonly #root: string;
  readonly #locks: FileLocks;
  readonly #settings: EngineSettings;
  readonly #limiter: BandwidthLimiter | undefined;
  /** files linked (de-duplication) while the set ran: their rows and progress are recorded already */
  readonly #linked = new Set<string>();
  /** the content lock each running file holds (begin to end) */
  readonly #contentLocks = new Map<string, string>();

  constructor(run: JobRun, o: { root: string; locks: FileLocks; settings: EngineSettings; limiter: BandwidthLimiter | undefined }) {
    this.#run = run;
    this.#root = o.root;
    this.#locks = o.locks;
    this.#settings = o.settings;
    this.#limiter = o.limiter;
  }

  item(f: ModelFileRow): JobFile {
    const { d, dir, config } = this.#run;
    return {
      file: f,
      task: {
        path: f.path,
        size: f.size_bytes,
        sha256: f.sha256 ?? undefined,
        gitOid: !f.is_lfs && f.git_oid ? f.git_oid : undefined,
        url: resolveUrl(config.hub.endpoint, d.author, d.repo, d.commit_sha!, f.path),
        dest: finalPath(dir, f.path),
        root: this.#root,
      },
    };
  }

  async begin({ task, file }: JobFile, signal: AbortSignal): Promise<boolean> {
    const run = this.#run;
    if (await run.storageLost()) return false;
    if (!(await this.#locks.acquire(task.dest, () => signal.aborted))) return false;
    // another job fetching the same content on this root: wait until it is recorded, then link it (fetch)
    const key = run.dedupJob(signal) ? contentLockKey(run.d.storage, file) : null;
    if (key) {
      if (!(await this.#locks.acquire(key, () => signal.aborted))) {
        await this.#locks.release(task.dest);
        return false;
      }
      this.#contentLocks.set(file.id, key);
    }
    await catalog.setFileStatus(run.db, file.id, { status: 'downloading' });
    return true;
  }

  async end({ task, file }: JobFile): Promise<void> {
    await this.#locks.release(task.dest);
    const key = this.#contentLocks.get(file.id);
    this.#contentLocks.delete(file.id);
    if (key) await this.#locks.release(key);
  }

  async fetch(item: JobFile, connections: number, signal: AbortSignal, slot: SlotLease): Promise<FileResult> {
    const dedup = this.#contentLocks.has(item.file.id) ? this.#run.dedupJob(signal) : null;
    if (!dedup || (await linkDuplicates(dedup, [item.file])).length) return this.#download(item, connections, signal, slot);
    // linked from what another job fetched meanwhile: recorded already
    this.#linked.add(item.file.id);
    return { status: 'skipped', sha256: item.file.sha256 ?? '', bytesFetched: 0 };
  }

  async #download({ task, file }: JobFile, connections: number, signal: AbortSignal, slot: SlotLease): Promise<FileResult> {
    const { progress, log } = this.#run;
    const result = await downloadFile(task, {
      ...this.#settings,
      segmentConnections: connections,
      signal,
      slot,
      limiter: this.#limiter,
      onBytes: (_p, delta) => progress.add(file.id, delta),
      onWaiting: (p, w) => progress.setWaiting(p, w),
      onEvent: (e) => {
        // bytes found on disk when resuming count as done, not as speed (onBytes reports only new ones)
        if (e.type === 'resume' && e.bytes) progress.found(file.id, e.bytes);
        log.line(`${e.type} ${e.path}${e.message ? `: ${e.message}` : ''}`);
      },
    });
    // a file renamed into place just as the storage went away (lazy unmount) is not there
    if (await this.#run.storageLost()) throw new DownloadError('Canceled', `${file.path}: the storage went away`, { permanent: false });
    return result;
  }

  /** Records the file's outcome in the catalog. */
  async settle({ file: f }: JobFile, outcome: FileOutcome): Promise<void> {
    const run = this.#run;
    const { progress } = run;
    progress.setWaiting(f.path, null);
    if (outcome.result && this.#linked.has(f.id)) return;
    const bytesDone = progress.fileBytes.get(f.id) ?? 0;
    if (outcome.result) {
      progress.found(f.id, f.size_bytes - bytesDone);
      progress.filesDone++;
      await catalog.setFileStatus(run.db, f.id, { status: 'done', sha256: outcome.result.sha256, bytesDone: f.size_bytes });
      return;
    }
    const e = outcome.error;
    // stopped (cancel, shutdown, the set stopping) or the storage went away: no fault of the file, it waits
    const interrupted = e.code === 'Canceled' || (run.controller.signal.aborted && !e.permanent);
    if (interrupted || (await run.storageLost())) {
      await catalog.setFileStatus(run.db, f.id, { status: 'pending', bytesDone });
      return;
    }
    if (refusedByBridge(e)) {
      this.refused.push({ file: f, why: e.message });
      await catalog.setFileStatus(run.db, f.id, { status: 'pending', bytesDone });
      return;
    }
    progress.filesFailed++;
    run.log.line(`failed ${f.path}: ${e.message}`);
    await catalog.setFileStatus(run.db, f.id, { status: 'failed', error: e.message, bytesDone });
  }
}
