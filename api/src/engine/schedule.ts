// How many files download at once, and how many connections each big one gets. Shared by runFiles
// and the job runner, so what the benchmark measures is what users get.
import { SEGMENT_THRESHOLD } from './download-file.ts';

export interface SchedulePolicy {
  /** big files at once (DOWNLOAD_CONCURRENCY) */
  fileConcurrency: number;
  /** ranged connections per big file when several share the link (SEGMENT_CONNECTIONS) */
  segmentConnections: number;
  segmentThreshold?: number | undefined;
  /** most connections one file may get when few big files are left (default 16, as aria2c -x16) */
  maxFileConnections?: number;
  /** small files at once, as a multiple of fileConcurrency (default 4): they wait on round trips, not bandwidth */
  smallFileFactor?: number;
}

/** Counting semaphore. */
export class Semaphore {
  #free: number;
  readonly #waiters: Array<() => void> = [];

  constructor(size: number) {
    this.#free = size;
  }

  async acquire(): Promise<void> {
    if (this.#free > 0) {
      this.#free--;
      return;
    }
    await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  release(): void {
    const next = this.#waiters.shift();
    if (next) next();
    else this.#free++;
  }
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function eachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let i = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (i < items.length) await fn(items[i++]!);
  });
  await Promise.all(lanes);
}

/**
 * One per process (slots are shared by every set it runs). A big file gets more connections when
 * fewer big files are left than there are slots: a lone 4 GiB file alone on a link with a
 * per-connection cap needs more than 8 connections to fill it.
 */
export class FileScheduler {
  readonly #policy: { [K in keyof SchedulePolicy]-?: NonNullable<SchedulePolicy[K]> };
  readonly #bigSlots: Semaphore;
  readonly #smallSlots: Semaphore;

  constructor(policy: SchedulePolicy) {
    this.#policy = {
      fileConcurrency: policy.fileConcurrency,
      segmentConnections: policy.segmentConnections,
      segmentThreshold: policy.segmentThreshold ?? SEGMENT_THRESHOLD,
      maxFileConnections: policy.maxFileConnections ?? 16,
      smallFileFactor: policy.smallFileFactor ?? 4,
    };
    this.#bigSlots = new Semaphore(Math.max(1, policy.fileConcurrency));
    this.#smallSlots = new Semaphore(Math.max(1, policy.fileConcurrency * this.#policy.smallFileFactor));
  }

  connectionsFor(bigFilesLeft: number): number {
    const { fileConcurrency, segmentConnections, maxFileConnections } = this.#policy;
    const share = Math.floor(fileConcurrency / Math.max(1, Math.min(fileConcurrency, bigFilesLeft)));
    return Math.max(segmentConnections, Math.min(maxFileConnections, segmentConnections * share));
  }

  async run<T extends { size: number }>(items: readonly T[], fn: (item: T, connections: number) => Promise<void>): Promise<void> {
    const threshold = this.#policy.segmentThreshold;
    const big = items.filter((i) => i.size >= threshold);
    const small = items.filter((i) => i.size < threshold);
    let bigLeft = big.length;
    const inSlot = (slots: Semaphore, item: T, connections: () => number) => async () => {
      await slots.acquire();
      try {
        await fn(item, connections());
      } finally {
        slots.release();
      }
    };
    await Promise.all([
      eachLimit(big, this.#policy.fileConcurrency, (item) => inSlot(this.#bigSlots, item, () => this.connectionsFor(bigLeft--))()),
      eachLimit(small, this.#policy.fileConcurrency * this.#policy.smallFileFactor, (item) => inSlot(this.#smallSlots, item, () => 1)()),
    ]);
  }
}
