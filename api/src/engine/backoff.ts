// Retry delays: exponential backoff with full jitter, and the Hub's 429 headers (docs/hub-protocol.md#rate-limits).
import { setTimeout as delay } from 'node:timers/promises';

/** Full jitter: a uniform pick in [0, min(cap, base·2^(attempt-1))], so retrying clients spread out. */
export function backoffMs(attempt: number, baseMs: number, capMs: number): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(Math.random() * ceiling);
}

type Headers = Record<string, string | string[] | undefined>;

const header = (h: Headers, name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

/**
 * How long a 429 (or a 503 with Retry-After) asks us to wait, in ms, or undefined when it does not say.
 * `RateLimit: "resolvers";r=0;t=N` wins (the window resets in N s: waited exactly, as huggingface_hub
 * does), else `Retry-After` in seconds, plus one second for its coarser granularity.
 */
export function serverWaitMs(h: Headers): number | undefined {
  const rl = header(h, 'ratelimit');
  if (rl) {
    const m = /r=(\d+)\s*;\s*t=(\d+)/.exec(rl);
    if (m && Number(m[1]) === 0) return Number(m[2]) * 1000;
  }
  const ra = header(h, 'retry-after');
  if (ra !== undefined && /^\s*\d+\s*$/.test(ra)) return (Number(ra) + 1) * 1000;
  if (ra !== undefined) {
    const at = Date.parse(ra);
    if (!Number.isNaN(at)) return Math.max(0, at - Date.now()) + 1000;
  }
  return undefined;
}

/** Sleeps, waking early (without throwing) when the signal aborts. */
export async function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return;
  try {
    await delay(ms, undefined, { signal });
  } catch {
    // aborted: the caller looks at the signal
  }
}

/** Outage waits: 5 s, 10 s, 20 s … up to `max`, with jitter so clients coming back do not arrive together. */
export function outageDelayMs(attempt: number, min: number, max: number): number {
  const ceiling = Math.min(max, Math.max(min, 5_000 * 2 ** Math.max(0, attempt - 1)));
  return Math.round(ceiling * (0.75 + Math.random() * 0.25));
}
