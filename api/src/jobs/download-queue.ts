import { PgBoss } from 'pg-boss';
import type { PgConnection } from '../config/config.ts';
import type { DbClient } from '../db/pool.ts';

export const DOWNLOAD_QUEUE = 'download';

export interface DownloadJobData {
  downloadId: string;
}

interface Logger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/**
 * The durable queue (pg-boss, in the same PostgreSQL). A job is sent inside the transaction that
 * writes its rows, so neither exists without the other. Workers heartbeat: when a process dies
 * (kill -9, power loss) its jobs go back to the queue once the heartbeat lapses and are picked up by
 * any instance, which resumes the files from their .partial state.
 */
export async function startDownloadQueue(conn: PgConnection, log: Logger, opts: { heartbeatSeconds?: number } = {}) {
  const boss = new PgBoss({
    host: conn.host,
    port: conn.port,
    ...(conn.user === undefined ? {} : { user: conn.user }),
    ...(conn.password === undefined ? {} : { password: conn.password }),
    ...(conn.database === undefined ? {} : { database: conn.database }),
    ssl: conn.ssl ?? false,
    max: 4,
    application_name: 'd011dl-queue',
    schedule: false,
    superviseIntervalSeconds: 5,
    monitorIntervalSeconds: 5,
  });
  let stopped = false;
  // pg errors carry their whole client (connection settings and all): log what helps, not a 10 kB line
  boss.on('error', (err: Error & { code?: string }) => {
    // Once stopped, the queue's pool has ended its connections, but a connection can still be saying
    // goodbye when the embedded PostgreSQL stops right after (its pool counts it gone as soon as it asks
    // to end): the server's "terminating connection" notice (57P01) then reaches a queue that is done.
    if (stopped && err.code === '57P01') return;
    log.error({ err: { type: err.name, message: err.message, code: err.code, stack: err.stack } }, 'job queue error');
  });
  await boss.start();
  const heartbeatSeconds = opts.heartbeatSeconds ?? 20;
  const queueOptions = {
    heartbeatSeconds,
    // pg-boss's maximum. Liveness comes from the heartbeat; a job still running after a day is handed
    // out again, and the runner's per-download lock keeps the two attempts from running side by side.
    expireInSeconds: 24 * 3600,
    retryLimit: 50,
    retryDelay: 5,
    retryBackoff: true,
    retryDelayMax: 300,
  };
  try {
    if (await boss.getQueue(DOWNLOAD_QUEUE)) await boss.updateQueue(DOWNLOAD_QUEUE, queueOptions);
    else await boss.createQueue(DOWNLOAD_QUEUE, queueOptions);
  } catch (err) {
    await boss.stop({ graceful: false }).catch(() => {});
    throw err;
  }

  // One pg-boss worker per job slot (each polls and runs one job at a time), so the number of slots can
  // change while jobs run (job_concurrency, issue 17): a slot taken away finishes its job, then stops.
  const slots: Array<{ id: string; busy: boolean }> = [];
  let handler: ((data: DownloadJobData, jobId: string) => Promise<void>) | null = null;
  let resizing: Promise<void> = Promise.resolve();

  async function addSlot(): Promise<void> {
    const slot = { id: '', busy: false };
    slot.id = await boss.work<DownloadJobData>(DOWNLOAD_QUEUE, { localConcurrency: 1, batchSize: 1, pollingIntervalSeconds: 1 }, async ([job]) => {
      if (!job || !handler) return;
      slot.busy = true;
      try {
        await handler(job.data, job.id);
      } finally {
        slot.busy = false;
      }
    });
    slots.push(slot);
  }

  async function resize(concurrency: number): Promise<void> {
    while (slots.length < concurrency) await addSlot();
    while (slots.length > concurrency) {
      // an idle slot first: stopping a busy one would let an idle one start another job beside it
      const idle = slots.findLastIndex((s) => !s.busy);
      const [slot] = slots.splice(idle >= 0 ? idle : slots.length - 1, 1);
      // without waiting: its running job goes on to its end (the queue's stop() still waits for it)
      await boss.offWork(DOWNLOAD_QUEUE, { id: slot!.id, wait: false });
    }
  }

  /** Jobs run at once by this process from now on; running jobs are never stopped for it. */
  function setConcurrency(concurrency: number): Promise<void> {
    const next = resizing.then(() => resize(concurrency));
    resizing = next.catch(() => {});
    return next;
  }

  return {
    async send(tx: DbClient, data: DownloadJobData): Promise<string> {
      const id = await boss.send(DOWNLOAD_QUEUE, data, { db: { executeSql: (text, values) => tx.query(text, values as unknown[]) } });
      if (!id) throw new Error('the job queue refused the job');
      return id;
    },

    async work(concurrency: number, run: (data: DownloadJobData, jobId: string) => Promise<void>): Promise<void> {
      handler = run;
      await setConcurrency(concurrency);
    },

    setConcurrency,

    /** A job was just committed here: this process's workers look now instead of at their next poll (≤ 1 s). */
    wake(): void {
      for (const slot of slots) if (!slot.busy) boss.notifyWorker(slot.id);
    },

    async cancel(jobId: string): Promise<void> {
      await boss.cancel(DOWNLOAD_QUEUE, jobId).catch((err) => log.warn({ err }, 'could not cancel queued job'));
    },

    async stop(): Promise<void> {
      stopped = true;
      await boss.stop({ graceful: true, timeout: 20_000 });
    },
  };
}

export type DownloadQueue = Awaited<ReturnType<typeof startDownloadQueue>>;
