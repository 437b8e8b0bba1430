// Which bandwidth limit is in force at a moment, and until when (issue 17): the first schedule window
// that contains the moment (server time zone), else the plain limit. Pure, so the clock is the caller's.
import type { BandwidthWindow } from '@d011dl/contract';

export interface BandwidthRule {
  /** bytes per second outside every window; 0: unlimited */
  bandwidth_limit_bps: number;
  bandwidth_schedule: readonly BandwidthWindow[];
}

export interface LimitInForce {
  /** bytes per second; 0: unlimited */
  limitBps: number;
  /** the window that sets it, or null for the plain limit */
  window: BandwidthWindow | null;
  /** when the limit next changes (a window boundary), or null when it never does */
  until: Date | null;
  /** the limit from `until` on (0: unlimited), or null when it never changes */
  nextLimitBps: number | null;
}

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

function contains(w: BandwidthWindow, minuteOfDay: number): boolean {
  const from = minutes(w.from);
  const to = minutes(w.to);
  // `to` earlier than `from`: the window runs past midnight
  return from < to ? minuteOfDay >= from && minuteOfDay < to : minuteOfDay >= from || minuteOfDay < to;
}

function windowAt(rule: BandwidthRule, at: Date): BandwidthWindow | null {
  const m = at.getHours() * 60 + at.getMinutes();
  return rule.bandwidth_schedule.find((w) => contains(w, m)) ?? null;
}

function limitOf(rule: BandwidthRule, w: BandwidthWindow | null): number {
  return w ? (w.limit_bps ?? 0) : Math.max(0, rule.bandwidth_limit_bps);
}

/** The next moments after `at` (local time, within a day) at which some window starts or ends, in order. */
function boundariesAfter(rule: BandwidthRule, at: Date): Date[] {
  const seen = new Set<number>();
  const out: Date[] = [];
  for (const w of rule.bandwidth_schedule) {
    for (const hhmm of [w.from, w.to]) {
      const d = new Date(at);
      d.setHours(Number(hhmm.slice(0, 2)), Number(hhmm.slice(3, 5)), 0, 0);
      if (d.getTime() <= at.getTime()) d.setDate(d.getDate() + 1);
      if (!seen.has(d.getTime())) {
        seen.add(d.getTime());
        out.push(d);
      }
    }
  }
  return out.sort((a, b) => a.getTime() - b.getTime());
}

/** The limit at `at`, with the next boundary where it changes (boundaries that keep the same limit are skipped). */
export function limitAt(rule: BandwidthRule, at: Date): LimitInForce {
  const window = windowAt(rule, at);
  const limitBps = limitOf(rule, window);
  for (const b of boundariesAfter(rule, at)) {
    const next = limitOf(rule, windowAt(rule, b));
    if (next !== limitBps) return { limitBps, window, until: b, nextLimitBps: next };
  }
  return { limitBps, window, until: null, nextLimitBps: null };
}

/** The next moment the limit may change: the first window boundary after `at` (null without a schedule). */
export function nextBoundary(rule: BandwidthRule, at: Date): Date | null {
  return boundariesAfter(rule, at)[0] ?? null;
}
