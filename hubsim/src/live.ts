// Live-Hub behaviours (reference: /work/shared/reference/hf-live-hub-2026.md) as knobs with live defaults.
import { RateLimiter } from './rate-limit.ts';
import type { LiveControl, LiveOptions, LiveSettings, RateLimitSettings } from './types.ts';
import { parseSize } from './units.ts';

export const LIVE_RATE_LIMITS: RateLimitSettings = {
  windowSeconds: 300,
  anonymous: { api: 500, resolvers: 3000 },
  user: { api: 1000, resolvers: 5000 },
};

const GZIP = { minSize: 1000, maxSize: 10_000_000 };

/**
 * What startHubSim starts with: the live Hub as the reference describes it (per-response CDN ETags,
 * signed links of an hour, the anonymous/user quotas). A test that legitimately needs more (the portal's
 * tests fetch thousands of files anonymously within minutes) raises a quota explicitly.
 */
export function liveDefaults(): LiveSettings {
  return {
    cdnEtag: 'per-response',
    signedUrls: 'both',
    urlTtlSeconds: 3600,
    rateLimits: structuredClone(LIVE_RATE_LIMITS),
    gzip: { ...GZIP },
    maxPlainGetSize: 50e9,
    bridgeMaxSize: 200e9,
  };
}

const ETAG_MODES = new Set(['none', 'per-response', 'stable']);
const URL_STYLES = new Set(['amz', 'cloudfront', 'both', 'off']);

export class LiveState implements LiveControl {
  readonly #start: LiveSettings;
  #s: LiveSettings;
  readonly limiter = new RateLimiter();

  /** `start`: the options the simulator was started with, on top of the defaults; reset() returns to them */
  constructor(start: LiveOptions = {}) {
    this.#start = liveDefaults();
    apply(this.#start, start);
    this.#s = structuredClone(this.#start);
  }

  set(options: LiveOptions): void {
    const next = structuredClone(this.#start);
    apply(next, options);
    this.#s = next;
    this.limiter.reset();
  }

  update(options: LiveOptions): void {
    const next = structuredClone(this.#s);
    apply(next, options);
    this.#s = next;
  }

  reset(): void {
    this.set({});
  }

  get(): LiveSettings {
    return structuredClone(this.#s);
  }

  /** The current settings, not copied (hot path). */
  get settings(): Readonly<LiveSettings> {
    return this.#s;
  }

  resetRateLimits(): void {
    this.limiter.reset();
  }
}

/** Validates and applies options onto settings; throws TypeError with a readable message. */
function apply(s: LiveSettings, o: LiveOptions): void {
  if (typeof o !== 'object' || o === null) throw new TypeError('live options must be an object');
  const known = new Set(Object.keys(liveDefaults()));
  for (const k of Object.keys(o)) if (!known.has(k)) throw new TypeError(`unknown live setting "${k}" (known: ${[...known].join(', ')})`);
  if (o.cdnEtag != null) {
    if (!ETAG_MODES.has(o.cdnEtag)) throw new TypeError(`live.cdnEtag must be one of ${[...ETAG_MODES].join(', ')}`);
    s.cdnEtag = o.cdnEtag;
  }
  if (o.signedUrls != null) {
    if (!URL_STYLES.has(o.signedUrls)) throw new TypeError(`live.signedUrls must be one of ${[...URL_STYLES].join(', ')}`);
    s.signedUrls = o.signedUrls;
  }
  if (o.urlTtlSeconds != null) s.urlTtlSeconds = nonNegative(o.urlTtlSeconds, 'urlTtlSeconds');
  if ('rateLimits' in o) {
    const r = o.rateLimits;
    if (r === false || r === null) s.rateLimits = false;
    else if (r === true) s.rateLimits = structuredClone(LIVE_RATE_LIMITS);
    else if (r !== undefined) {
      const cur = s.rateLimits || structuredClone(LIVE_RATE_LIMITS);
      if (r.windowSeconds != null) cur.windowSeconds = positive(r.windowSeconds, 'rateLimits.windowSeconds');
      for (const who of ['anonymous', 'user'] as const) {
        const q = r[who];
        if (q == null) continue;
        if (typeof q !== 'object') throw new TypeError(`live.rateLimits.${who} must be an object {api?, resolvers?}`);
        if (q.api != null) cur[who].api = nonNegative(q.api, `rateLimits.${who}.api`);
        if (q.resolvers != null) cur[who].resolvers = nonNegative(q.resolvers, `rateLimits.${who}.resolvers`);
      }
      s.rateLimits = cur;
    }
  }
  if ('gzip' in o) {
    const g = o.gzip;
    if (g === false || g === null) s.gzip = false;
    else if (g === true) s.gzip = { ...GZIP };
    else if (g !== undefined) {
      const cur = s.gzip || { ...GZIP };
      if (g.minSize != null) cur.minSize = parseSize(g.minSize);
      if (g.maxSize != null) cur.maxSize = parseSize(g.maxSize);
      s.gzip = cur;
    }
  }
  for (const k of ['maxPlainGetSize', 'bridgeMaxSize'] as const) {
    if (!(k in o)) continue;
    const v = o[k];
    if (v === false || v === null) s[k] = false;
    else if (v !== undefined) s[k] = parseSize(v);
  }
}

function nonNegative(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new TypeError(`live.${name} must be a number >= 0`);
  return v;
}

function positive(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new TypeError(`live.${name} must be a number > 0`);
  return v;
}
