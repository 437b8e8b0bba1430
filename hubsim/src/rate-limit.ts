// Fixed-window request quotas per client, as the Hub's "api" and "resolvers" buckets (docs/hub-protocol.md#rate-limits).
import type { IncomingMessage } from 'node:http';
import type { RateLimitSettings } from './types.ts';

export type Bucket = 'api' | 'resolvers';

export interface RateDecision {
  allowed: boolean;
  bucket: Bucket;
  quota: number;
  remaining: number;
  /** whole seconds until the window resets (at least 1 while the window is open) */
  resetSeconds: number;
  windowSeconds: number;
}

interface Window {
  start: number;
  used: number;
}

export class RateLimiter {
  #windows = new Map<string, Window>();

  reset(): void {
    this.#windows.clear();
  }

  /** Counts one request against `bucket` for this client, unless its quota is spent. */
  take(settings: RateLimitSettings, bucket: Bucket, client: string, user: string | undefined): RateDecision {
    const quota = (user ? settings.user : settings.anonymous)[bucket];
    const windowMs = settings.windowSeconds * 1000;
    const key = `${bucket}|${client}|${user ?? ''}`;
    const now = Date.now();
    let w = this.#windows.get(key);
    if (!w || now - w.start >= windowMs) {
      w = { start: now, used: 0 };
      this.#windows.set(key, w);
      // windows of clients gone quiet would pile up in long benchmark runs
      if (this.#windows.size > 10_000) this.#sweep(now, windowMs);
    }
    const allowed = w.used < quota;
    if (allowed) w.used++;
    const resetSeconds = Math.max(1, Math.ceil((w.start + windowMs - now) / 1000));
    return { allowed, bucket, quota, remaining: quota - w.used, resetSeconds, windowSeconds: settings.windowSeconds };
  }

  #sweep(now: number, windowMs: number): void {
    for (const [k, w] of this.#windows) if (now - w.start >= windowMs) this.#windows.delete(k);
  }
}

/** IETF draft headers as the Hub sends them, on successes and on 429. */
export function rateLimitHeaders(d: RateDecision): Record<string, string> {
  return {
    RateLimit: `"${d.bucket}";r=${d.remaining};t=${d.resetSeconds}`,
    'RateLimit-Policy': `"fixed window";"${d.bucket}";q=${d.quota};w=${d.windowSeconds}`,
  };
}

/** The client's IP, with IPv4-mapped IPv6 addresses unwrapped. */
export function clientIp(req: IncomingMessage): string {
  const ip = req.socket.remoteAddress ?? 'unknown';
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}
