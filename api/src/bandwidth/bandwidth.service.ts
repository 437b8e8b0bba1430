// Keeps this instance's bandwidth limiter at the limit in force (issue 17): evaluated now, again at the
// next schedule boundary where the limit changes (one timer, no polling), and at once when an
// administrator changes the settings. Running jobs share the limiter, so a change reaches them at once.
import type { BandwidthStatus } from '@d011dl/contract';
import { BandwidthLimiter } from '../engine/bandwidth-limiter.ts';
import { limitAt, type BandwidthRule, type LimitInForce } from './bandwidth-schedule.ts';

export interface BandwidthClock {
  now(): Date;
  setTimer(fn: () => void, ms: number): () => void;
}

const realClock: BandwidthClock = {
  now: () => new Date(),
  setTimer(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref();
    return () => clearTimeout(t);
  },
};

// a timer never waits longer than this: a clock set forward or back (NTP, a suspended VM) is caught up
const MAX_TIMER_MS = 3600_000;

interface SettingsSource {
  current(): BandwidthRule;
  onChange(listener: (next: BandwidthRule) => void): () => void;
}

const two = (n: number) => String(n).padStart(2, '0');

export class BandwidthService {
  readonly limiter: BandwidthLimiter;
  readonly #settings: SettingsSource;
  readonly #clock: BandwidthClock;
  #inForce: LimitInForce;
  #cancelTimer: (() => void) | undefined;
  #unsubscribe: (() => void) | undefined;

  constructor(deps: { settings: SettingsSource; clock?: BandwidthClock; limiter?: BandwidthLimiter }) {
    this.#settings = deps.settings;
    this.#clock = deps.clock ?? realClock;
    this.limiter = deps.limiter ?? new BandwidthLimiter();
    this.#inForce = this.#evaluate(this.#clock.now());
    this.#unsubscribe = this.#settings.onChange(() => this.#evaluate(this.#clock.now()));
  }

  /** The limit in force now, and when and to what it changes next. */
  status(): BandwidthStatus {
    const f = this.#inForce;
    return {
      limit_bps: f.limitBps,
      until: f.until ? f.until.toISOString() : null,
      until_time: f.until ? `${two(f.until.getHours())}:${two(f.until.getMinutes())}` : null,
      next_limit_bps: f.nextLimitBps,
      source: f.window ? 'schedule' : 'setting',
    };
  }

  close(): void {
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  #evaluate(at: Date): LimitInForce {
    const f = limitAt(this.#settings.current(), at);
    this.#inForce = f;
    this.limiter.setRate(f.limitBps);
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    if (f.until) {
      const due = f.until.getTime();
      const ms = Math.min(MAX_TIMER_MS, Math.max(0, due - at.getTime()));
      this.#cancelTimer = this.#clock.setTimer(() => {
        this.#cancelTimer = undefined;
        // a timer may fire a little early: never evaluate before the boundary it was set for
        const now = this.#clock.now().getTime();
        this.#evaluate(new Date(ms < MAX_TIMER_MS ? Math.max(now, due) : now));
      }, ms);
    }
    return f;
  }
}
