// The periodic update check: a timer in each API process; the claim in updates.repository.ts makes
// sure that several instances on one database do not check the same revisions.
import type { FastifyBaseLogger } from 'fastify';

export interface UpdateScheduler {
  close(): Promise<void>;
}

/**
 * Every tick (a quarter of the interval, between 1 s and 15 min) checks the revisions not asked for
 * `intervalH` hours. The first tick waits a full period: a start is not a reason to ask the Hub.
 */
export function startUpdateScheduler(opts: { intervalH: number; checkDue: (intervalH: number) => Promise<number>; log: FastifyBaseLogger }): UpdateScheduler {
  const { intervalH, log } = opts;
  if (intervalH <= 0) return { close: async () => {} };
  const period = Math.min(15 * 60_000, Math.max(1000, (intervalH * 3_600_000) / 4));
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let closed = false;
  const tick = () => {
    running = opts
      .checkDue(intervalH)
      .then((n) => {
        if (n) log.info({ revisions: n }, 'checked downloaded branches for updates');
      })
      .catch((err) => log.warn({ err }, 'update check failed; trying again at the next tick'))
      .finally(() => {
        running = null;
        if (!closed) timer = setTimeout(tick, period);
      });
  };
  timer = setTimeout(tick, period);
  return {
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
