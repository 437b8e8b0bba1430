// Writes a running job's progress to the database, throttled: at most every PROGRESS_INTERVAL_MS for the
// job row and its files' byte counts together (one snapshot: a page never shows a job ahead of its
// files), whatever the file count or speed.
import type { FastifyBaseLogger } from 'fastify';
import { catalogRepository as catalog } from '../catalog/catalog.repository.ts';
import type { Db } from '../db/pool.ts';
import { downloadsRepository as repo } from '../downloads/downloads.repository.ts';
import type { JobLog } from './job-log.ts';
import type { JobProgress } from './job-progress.ts';

const PROGRESS_INTERVAL_MS = 500; // ≤ 2 DB writes per second per job

export class ProgressWriter {
  readonly #db: Db;
  readonly #downloadId: string;
  readonly #progress: JobProgress;
  readonly #log: JobLog;
  readonly #onCanceled: () => void;
  readonly #warn: FastifyBaseLogger['warn'];
  #busy: Promise<void> | null = null;
  #timer: NodeJS.Timeout | null = null;

  constructor(deps: { db: Db; downloadId: string; progress: JobProgress; log: JobLog; logger: FastifyBaseLogger; onCanceled: () => void }) {
    this.#db = deps.db;
    this.#downloadId = deps.downloadId;
    this.#progress = deps.progress;
    this.#log = deps.log;
    this.#onCanceled = deps.onCanceled;
    this.#warn = deps.logger.warn.bind(deps.logger);
  }

  start(): void {
    this.#timer = setInterval(() => void this.flush(), PROGRESS_INTERVAL_MS);
  }

  /** Stops the timer and writes everything once more. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.flush(true);
  }

  async flush(final = false): Promise<void> {
    if (this.#busy) {
      if (!final) return;
      await this.#busy;
    }
    this.#busy = this.#write().catch((err) => this.#warn({ err, downloadId: this.#downloadId }, 'could not record progress'));
    await this.#busy;
    this.#busy = null;
  }

  async #write(): Promise<void> {
    const p = this.#progress;
    const { speedBps, etaS } = p.sample();
    await this.#log.flush();
    await catalog.setFilesBytes(this.#db, p.takeDirtyFiles());
    const status = await repo.writeProgress(this.#db, this.#downloadId, {
      bytesDone: p.bytesDone,
      bytesTotal: p.bytesTotal,
      filesDone: p.filesDone,
      filesFailed: p.filesFailed,
      speedBps,
      etaS,
      waiting: p.waiting(),
      log: this.#log.tail(),
    });
    // canceled, or canceled and already queued again by a retry (the new attempt waits for this one)
    if (status === 'canceled' || status === 'queued') this.#onCanceled();
  }
}
