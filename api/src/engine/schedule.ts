// How many files download at once, and how many connections each big one gets. Shared by runFiles
// and the job runner, so what the benchmark measures is what users get.
import { SEGMENT_THRESHOLD } from './file-run.ts';
import type { SlotLease } from './types.ts';

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

/** Counting semaphore; its size may change while it is in use (a smaller one lets holders finish). */
export class Semaphore {
  #size: number;
  #used = 0;
  readonly #waiters: Array<() => void> = [];

  constructor(size: number) {
    this.#size = size;
  }

  async acquire(): Promise<void> {
    if (this.#used < this.#size) {
      this.#used++;
      return;
    }
    await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  release(): void {
    this.#used--;
    this.#admit();
  }

  resize(size: number): void {
    this.#size = size;
    this.#admit();
  }

  #admit(): void {
    while (this.#used < this.#size && this.#waiters.length) {
      this.#used++;
      this.#waiters.shift()!();
    }
  }
}

/** One item's hold on a Semaphore slot, released at most once per hold. */
class Lease implements SlotLease {
  readonly #slots: Semaphore;
  #held = false;
  #ended = false;
  #taking: Promise<void> | undefined;

  constructor(slots: Semaphore) {
    this.#slots = slots;
  }

  hold(): Promise<void> {
    if (this.#held) return Promise.resolve();
    this.#taking ??= this.#slots.acquire().then(() => {
      this.#taking = undefined;
      // the item ended while it waited (a cancel does not wait for a slot): the slot goes straight on
      if (this.#ended) this.#slots.release();
      else this.#held = true;
    });
    return this.#taking;
  }

  release(): void {
    if (!this.#held) return;
    this.#held = false;
    this.#slots.release();
  }

  /** The item is over: whatever it holds now or is still waiting for goes back. */
  end(): void {
    this.#ended = true;
    this.release();
  }
}

/** Takes the slot again, or gives up waiting when `signal` aborts (a cancel need not wait for a slot). */
export async function holdUnlessAborted(slot: SlotLease, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return slot.hold();
  if (signal.aborted) return;
  let onAbort = () => {};
  const aborted = new Promise<void>((resolve) => {
    onAbort = resolve;
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([slot.hold(), aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** Runs `fn` over `items` with at most `limit()` in flight, the limit read again as each one ends. */
export async function eachLimit<T>(items: readonly T[], limit: number | (() => number), fn: (item: T) => Promise<void>): Promise<void> {
  const max = typeof limit === 'number' ? () => limit : limit;
  let next = 0;
  let running = 0;
  let failed = false;
  await new Promise<void>((resolve, reject) => {
    const pump = () => {
      while (next < items.length && running < Math.max(1, max())) {
        running++;
        fn(items[next++]!).then(
          () => {
            running--;
            pump();
          },
          (err) => {
            running--;
            if (!failed) reject(err);
            failed = true;
            pump();
          },
        );
      }
      if (running === 0 && next >= items.length) resolve();
    };
    pump();
  });
}

/**
 * One per process (slots are shared by every set it runs). A big file gets more connections when
 * fewer big files are left than there are slots: a lone 4 GiB file alone on a link with a
 * per-connection cap needs more than 8 connections to fill it.
 */
export class FileScheduler {
  #policy: { [K in keyof SchedulePolicy]-?: NonNullable<SchedulePolicy[K]> };
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

  /**
   * New concurrency and connections (the Settings page): files that start from now on get them, and
   * running sets widen or narrow as their files end. Files already downloading keep their connections.
   */
  setPolicy(policy: Pick<SchedulePolicy, 'fileConcurrency' | 'segmentConnections'>): void {
    this.#policy = { ...this.#policy, ...policy };
    this.#bigSlots.resize(Math.max(1, policy.fileConcurrency));
    this.#smallSlots.resize(Math.max(1, policy.fileConcurrency * this.#policy.smallFileFactor));
  }

  connectionsFor(bigFilesLeft: number): number {
    const { fileConcurrency, segmentConnections, maxFileConnections } = this.#policy;
    const share = Math.floor(fileConcurrency / Math.max(1, Math.min(fileConcurrency, bigFilesLeft)));
    return Math.max(segmentConnections, Math.min(maxFileConnections, segmentConnections * share));
  }

  /**
   * Runs `fn` on every item, each in a slot. `fn` may hand its slot back early (`slot.release()`, once
   * its bytes are in) and take one again (`slot.hold()`); one still held when it ends is returned then.
   * Items past the slots wait, and wait again for `fn` to finish, so the number of items running stays
   * the limit plus those finishing without a slot.
   */
  async run<T extends { size: number }>(items: readonly T[], fn: (item: T, connections: number, slot: SlotLease) => Promise<void>): Promise<void> {
    const threshold = this.#policy.segmentThreshold;
    const big = items.filter((i) => i.size >= threshold);
    const small = items.filter((i) => i.size < threshold);
    let bigLeft = big.length;
    const inSlot = (slots: Semaphore, item: T, connections: () => number) => async () => {
      const lease = new Lease(slots);
      await lease.hold();
      try {
        await fn(item, connections(), lease);
      } finally {
        lease.end();
      }
    };
    await Promise.all([
      // twice the slots: as many again may be finishing (hash, fsync) after handing theirs back
      eachLimit(
        big,
        () => 2 * this.#policy.fileConcurrency,
        (item) => inSlot(this.#bigSlots, item, () => this.connectionsFor(bigLeft--))(),
      ),
      eachLimit(
        small,
        () => 2 * this.#policy.fileConcurrency * this.#policy.smallFileFactor,
        (item) => inSlot(this.#smallSlots, item, () => 1)(),
      ),
    ]);
  }
}
