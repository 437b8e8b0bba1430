// A job's own calls to the Hub API (an import lists the tree at job time) wait out an outage the way the
// engine waits out one mid-file (engine/transfer.ts): a router reboot or a Hub incident must not fail a
// job that nobody is watching. Only answers that will not change by waiting (404, gated, bad token) fail.
import { outageDelayMs, sleep } from '../engine/backoff.ts';
import { HttpError } from '../http-errors.ts';

const TRANSIENT = new Set(['HubUnavailable', 'HubRateLimited']);
const MIN_WAIT_MS = 2_000;
const MAX_WAIT_MS = 5 * 60_000;

export interface HubWaitState {
  reason: string;
  retryAt: number;
  attempt: number;
}

export function isTransientHubError(err: unknown): err is HttpError {
  return err instanceof HttpError && TRANSIENT.has(err.code);
}

/**
 * `call()`, again after a growing pause while the Hub is down, for at most `outageTimeoutMs` in all.
 * `onWait` hears each pause (and null once the Hub answered), so the job can show why it is waiting.
 * An aborted signal ends the wait with the last error.
 */
export async function whileHubDown<T>(
  call: () => Promise<T>,
  o: { signal: AbortSignal; outageTimeoutMs: number; onWait(w: HubWaitState | null): void },
): Promise<T> {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      const value = await call();
      if (attempt > 1) o.onWait(null);
      return value;
    } catch (err) {
      if (!isTransientHubError(err) || o.signal.aborted) throw err;
      const left = started + o.outageTimeoutMs - Date.now();
      if (left <= 0) throw err;
      const retryAfterS = Number(err.headers['retry-after']);
      const serverWait = Number.isFinite(retryAfterS) && retryAfterS > 0 ? (retryAfterS + 1) * 1000 : 0;
      const wait = Math.min(left, Math.max(outageDelayMs(attempt, MIN_WAIT_MS, MAX_WAIT_MS), serverWait));
      o.onWait({ reason: err.message, retryAt: Date.now() + wait, attempt });
      await sleep(wait, o.signal);
      if (o.signal.aborted) throw err;
    }
  }
}
