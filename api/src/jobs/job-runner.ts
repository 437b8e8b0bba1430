// Runs the queue's jobs in this process: one JobRun per attempt, each under a lock so that two attempts of
// one job never write the same files, and all of them stoppable at shutdown (partial files kept).
import type { JobKind, RuntimeSettings } from '@d011dl/contract';
import type { FastifyBaseLogger } from 'fastify';
import { catalogRepository as catalog } from '../catalog/catalog.repository.ts';
import type { AppConfig } from '../config/config.ts';
import type { Db } from '../db/pool.ts';
import { downloadsRepository as repo } from '../downloads/downloads.repository.ts';
import { TransferJob } from '../library/copy-job.ts';
import { type BandwidthLimiter, FileScheduler } from '../engine/index.ts';
import type { HfTokensService } from '../account/hf-tokens.service.ts';
import type { HubService } from '../hub/hub.service.ts';
import { ImportJob } from '../library/import-job.ts';
import { reserveBytesOf, type SettingsService } from '../settings/settings.service.ts';
import type { StorageRoots } from '../storage/storage-roots.ts';
import { engineSettings } from './engine-settings.ts';
import { FileLocks } from './file-lock.ts';
import { JobInterrupted, JobRun, type JobContext } from './job-run.ts';
import type { RunnableJob, StartJob } from './runnable-job.ts';
import { startUpdateJob } from '../updates/update-job.ts';

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

// Every kind of job on the queue, and what runs it. Library jobs (copy, move, import) run the same way as
// downloads: the same rows, progress, events, cancel and resume after a crash.
const jobKinds: Partial<Record<JobKind, StartJob>> = {
  download: (ctx, locks, d, files) => new JobRun(ctx, locks, d, files),
  update: startUpdateJob,
  copy: (ctx, locks, d, files) => new TransferJob(ctx, locks, d, files),
  move: (ctx, locks, d, files) => new TransferJob(ctx, locks, d, files),
  import: (ctx, _locks, d) => new ImportJob(ctx, d),
};

export function createDownloadRunner(deps: {
  db: Db;
  config: AppConfig;
  log: FastifyBaseLogger;
  roots: StorageRoots;
  hub: HubService;
  settings: SettingsService;
  hfTokens?: HfTokensService;
  limiter?: BandwidthLimiter;
}) {
  const { db, config, settings } = deps;
  const policy = (s: RuntimeSettings) => ({ fileConcurrency: s.download_concurrency, segmentConnections: s.segment_connections });
  // slots shared by every job of this process, resized when the Settings page changes them
  const scheduler = new FileScheduler(policy(settings.current()));
  settings.onChange((next) => scheduler.setPolicy(policy(next)));
  const ctx: JobContext = {
    db,
    config,
    logger: deps.log,
    roots: deps.roots,
    hub: deps.hub,
    scheduler,
    settings: engineSettings(config),
    reserveBytes: () => reserveBytesOf(settings.current()),
    limiter: deps.limiter,
  };
  const running = new Map<string, RunnableJob>();

  // A job reaches the Hub with the token of the user who started it (else HF_TOKEN), read here in the
  // worker at each attempt: a job resumed after a restart still has it. Copy and move never ask the Hub.
  async function contextFor(d: { id: string; kind: JobKind; user_id: string | null }): Promise<JobContext> {
    if (!deps.hfTokens || d.kind === 'copy' || d.kind === 'move') return ctx;
    const hubToken = await deps.hfTokens.forJob(d.id, d.user_id);
    if (!hubToken.ok) return { ...ctx, hubToken };
    return { ...ctx, hubToken, hub: deps.hfTokens.hubForCredential(hubToken.cred), settings: Object.freeze({ ...ctx.settings, token: hubToken.cred.token }) };
  }

  async function runLocked(downloadId: string, locks: FileLocks): Promise<void> {
    const d = await repo.get(db, downloadId);
    if (!d || d.status === 'canceled' || d.status === 'succeeded') return;
    const start = jobKinds[d.kind];
    if (!start) throw new Error(`no runner for jobs of kind "${d.kind}"`);
    if ((await repo.markRunning(db, downloadId)) === 'canceled') return;
    const job = start(await contextFor(d), locks, d, await catalog.filesOfDownload(db, downloadId));
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
