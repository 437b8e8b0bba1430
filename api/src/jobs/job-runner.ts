// Runs the queue's jobs in this process: one JobRun per attempt, each under a lock so that two attempts of
// one job never write the same files, and all of them stoppable at shutdown (partial files kept).
import type { FastifyBaseLogger } from 'fastify';
import { catalogRepository as catalog } from '../catalog/catalog.repository.ts';
import type { AppConfig } from '../config/config.ts';
import type { Db } from '../db/pool.ts';
import { downloadsRepository as repo } from '../downloads/downloads.repository.ts';
import { FileScheduler } from '../engine/index.ts';
import type { StorageGuard } from '../storage/storage-guard.ts';
import { engineSettings } from './engine-settings.ts';
import { FileLocks } from './file-lock.ts';
import { JobInterrupted, JobRun, type JobContext } from './job-run.ts';

export { JobInterrupted } from './job-run.ts';

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

export function createDownloadRunner(deps: { db: Db; config: AppConfig; log: FastifyBaseLogger; storage: StorageGuard }) {
  const { db, config } = deps;
  const ctx: JobContext = {
    db,
    config,
    logger: deps.log,
    storage: deps.storage,
    // slots shared by every job of this process
    scheduler: new FileScheduler({ fileConcurrency: config.downloads.fileConcurrency, segmentConnections: config.downloads.segmentConnections }),
    settings: engineSettings(config),
  };
  const running = new Map<string, JobRun>();

  async function runLocked(downloadId: string, locks: FileLocks): Promise<void> {
    const d = await repo.get(db, downloadId);
    if (!d || d.status === 'canceled' || d.status === 'succeeded') return;
    if ((await repo.markRunning(db, downloadId)) === 'canceled') return;
    const job = new JobRun(ctx, locks, d, await catalog.filesOfDownload(db, downloadId));
    running.set(downloadId, job);
    try {
      await job.run();
    } finally {
      running.delete(downloadId);
    }
  }

  return {
    async run(downloadId: string): Promise<void> {
      const locks = new FileLocks(db);
      try {
        // An attempt of this job may still be running (a cancel then a quick retry: it is winding down), or
        // elsewhere (expired and handed out again): wait a little for it, then leave it to the queue's retry.
        if (!(await waitForLock(locks, `job:${downloadId}`, JOB_LOCK_WAIT_MS))) throw new JobInterrupted(`download ${downloadId} is already being run`);
        await runLocked(downloadId, locks);
      } finally {
        await locks.close();
      }
    },
    /** Stops every running job, keeping partial files, so the queue resumes them after a restart. */
    interruptAll(): void {
      for (const job of running.values()) job.controller.abort('shutdown');
    },
    runningCount: () => running.size,
  };
}

export type DownloadRunner = ReturnType<typeof createDownloadRunner>;
