// The periodic update check: a timer in each API process; the claim in updates.repository.ts makes
// sure that several instances on one database do not check the same revisions.
import type { FastifyBaseLogger } from 'fastify';

export interface UpdateScheduler {
  /** The interval changed (the Settings page): the timer starts again with the new period (0: off). */
  rearm(): void;
  close(): Promise<void>;
}

/** setTimeout and clearTimeout, replaceable in tests. */
export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const realTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** A tick is a quarter of the interval, between 1 s and 15 min. */
export const tickPeriodMs = (intervalH: number): number => Math.min(15 * 60_000, Math.max(1000, (intervalH * 3_600_000) / 4));

/**
 * Every tick checks the revisions not asked for `intervalH()` hours (read at each tick). The first tick
 * waits a full period: a start, or a new interval, is not a reason to ask the Hub.
 */
export function startUpdateScheduler(opts: {
  intervalH: () => number;
  checkDue: (intervalH: number) => Promise<number>;
  log: FastifyBaseLogger;
  timers?: Timers;
}): UpdateScheduler {
  const { log } = opts;
  const timers = opts.timers ?? realTimers;
  let timer: unknown = null;
  let running: Promise<void> | null = null;
  let closed = false;

  const arm = () => {
    if (timer !== null) timers.clear(timer);
    timer = null;
    const intervalH = opts.intervalH();
    if (closed || intervalH <= 0) return;
    timer = timers.set(tick, tickPeriodMs(intervalH));
  };
  const tick = () => {
    timer = null;
    running = opts
      .checkDue(opts.intervalH())
      .then((n) => {
        if (n) log.info({ revisions: n }, 'checked downloaded branches for updates');
      })
      .catch((err) => log.warn({ err }, 'update check failed; trying again at the next tick'))
      .finally(() => {
        running = null;
        // a rearm() while the check ran has set the next tick already
        if (timer === null) arm();
      });
  };
  arm();
  return {
    rearm() {
      // during a check, its end arms the timer with the new interval
      if (!running) arm();
    },
    async close() {
      closed = true;
      if (timer !== null) timers.clear(timer);
      timer = null;
      await running;
    },
  };
}
