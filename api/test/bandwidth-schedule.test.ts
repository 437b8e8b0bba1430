// The bandwidth schedule (issue 17) with an injected clock: which limit is in force, until when, and a
// limiter whose rate switches when the clock crosses a window boundary or the settings change.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseBandwidthSchedule, type BandwidthWindow } from '@d011dl/contract';
import { limitAt } from '../src/bandwidth/bandwidth-schedule.ts';
import { BandwidthService, type BandwidthClock } from '../src/bandwidth/bandwidth.service.ts';
import { BandwidthLimiter, type LimiterClock } from '../src/engine/bandwidth-limiter.ts';

// local time (the server's time zone), as the schedule is written
const at = (hh: number, mm: number, day = 1) => new Date(2026, 0, day, hh, mm, 0, 0);
const MB = 1_000_000;
const nightOpen: BandwidthWindow[] = [{ from: '00:00', to: '07:00', limit_bps: null }];

describe('bandwidth schedule', () => {
  it('uses the plain limit outside every window and the window inside it', () => {
    const rule = { bandwidth_limit_bps: 20 * MB, bandwidth_schedule: nightOpen };
    const day = limitAt(rule, at(12, 0));
    assert.equal(day.limitBps, 20 * MB);
    assert.equal(day.window, null);
    assert.deepEqual(day.until, at(0, 0, 2));
    assert.equal(day.nextLimitBps, 0);
    const night = limitAt(rule, at(3, 30));
    assert.equal(night.limitBps, 0);
    assert.deepEqual(night.until, at(7, 0));
    assert.equal(night.nextLimitBps, 20 * MB);
    // a window starts at its `from` and ends just before its `to`
    assert.equal(limitAt(rule, at(0, 0)).limitBps, 0);
    assert.equal(limitAt(rule, at(7, 0)).limitBps, 20 * MB);
    assert.equal(limitAt(rule, new Date(2026, 0, 1, 6, 59, 59, 999)).limitBps, 0);
  });

  it('runs a window past midnight when it ends before it starts', () => {
    const rule = { bandwidth_limit_bps: 0, bandwidth_schedule: [{ from: '22:00', to: '06:00', limit_bps: 2 * MB }] };
    assert.equal(limitAt(rule, at(23, 0)).limitBps, 2 * MB);
    assert.deepEqual(limitAt(rule, at(23, 0)).until, at(6, 0, 2));
    assert.equal(limitAt(rule, at(1, 0)).limitBps, 2 * MB);
    assert.equal(limitAt(rule, at(6, 0)).limitBps, 0);
    assert.deepEqual(limitAt(rule, at(12, 0)).until, at(22, 0));
  });

  it('lasts all day when a window ends when it starts, as the text form says', () => {
    const windows = parseBandwidthSchedule('08:30-08:30=3');
    assert.deepEqual(windows, [{ from: '08:30', to: '08:30', limit_bps: 3 * MB }]);
    const rule = { bandwidth_limit_bps: 0, bandwidth_schedule: windows as BandwidthWindow[] };
    for (const [hh, mm] of [
      [8, 30],
      [8, 29],
      [0, 0],
      [23, 59],
    ] as const)
      assert.equal(limitAt(rule, at(hh, mm)).limitBps, 3 * MB);
    assert.equal(limitAt(rule, at(12, 0)).until, null, 'it never changes');
  });

  it('skips boundaries where the limit stays the same, and says when it never changes', () => {
    const rule = {
      bandwidth_limit_bps: 5 * MB,
      bandwidth_schedule: [
        { from: '08:00', to: '12:00', limit_bps: 5 * MB },
        { from: '12:00', to: '18:00', limit_bps: 1 * MB },
      ],
    };
    const morning = limitAt(rule, at(9, 0));
    assert.deepEqual(morning.until, at(12, 0));
    assert.equal(morning.nextLimitBps, 1 * MB);
    const none = limitAt({ bandwidth_limit_bps: 3 * MB, bandwidth_schedule: [] }, at(9, 0));
    assert.deepEqual([none.limitBps, none.until, none.nextLimitBps], [3 * MB, null, null]);
  });

  it('lets the first window listed win where windows overlap', () => {
    const rule = {
      bandwidth_limit_bps: 0,
      bandwidth_schedule: [
        { from: '10:00', to: '11:00', limit_bps: 1 * MB },
        { from: '09:00', to: '12:00', limit_bps: 2 * MB },
      ],
    };
    assert.equal(limitAt(rule, at(10, 30)).limitBps, 1 * MB);
    assert.equal(limitAt(rule, at(9, 30)).limitBps, 2 * MB);
  });
});

/** A clock the test moves by hand; due timers fire when it is moved past them. */
class FakeClock implements BandwidthClock, LimiterClock {
  ms: number;
  timers: Array<{ due: number; fn: () => void }> = [];
  constructor(start: Date) {
    this.ms = start.getTime();
  }
  now(): Date & number {
    // the limiter reads milliseconds, the service a Date: both from one time
    return Object.assign(new Date(this.ms), { valueOf: () => this.ms }) as Date & number;
  }
  setTimer(fn: () => void, ms: number): () => void {
    const t = { due: this.ms + ms, fn };
    this.timers.push(t);
    return () => {
      this.timers = this.timers.filter((x) => x !== t);
    };
  }
  advance(ms: number): void {
    const end = this.ms + ms;
    for (;;) {
      const next = this.timers.filter((t) => t.due <= end).sort((a, b) => a.due - b.due)[0];
      if (!next) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.ms = Math.max(this.ms, next.due);
      next.fn();
    }
    this.ms = end;
  }
}

function settingsOf(rule: { bandwidth_limit_bps: number; bandwidth_schedule: BandwidthWindow[] }) {
  const listeners = new Set<(next: typeof rule) => void>();
  return {
    current: () => rule,
    onChange(l: (next: typeof rule) => void) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    set(next: typeof rule) {
      rule = next;
      for (const l of listeners) l(rule);
    },
  };
}

describe('bandwidth service', () => {
  it('switches the limiter at the boundary with one timer, not by polling', () => {
    const clock = new FakeClock(at(23, 59));
    const settings = settingsOf({ bandwidth_limit_bps: 20 * MB, bandwidth_schedule: nightOpen });
    const limiter = new BandwidthLimiter({ clock: { now: () => clock.ms, setTimer: (fn, ms) => clock.setTimer(fn, ms) } });
    const svc = new BandwidthService({ settings, clock, limiter });
    assert.equal(limiter.rate, 20 * MB);
    assert.deepEqual(svc.status(), { limit_bps: 20 * MB, until: at(0, 0, 2).toISOString(), until_time: '00:00', next_limit_bps: 0, source: 'setting' });
    assert.equal(clock.timers.length, 1, 'one timer, for the boundary');
    clock.advance(59_000);
    assert.equal(limiter.rate, 20 * MB, 'not before the boundary');
    clock.advance(1_000);
    assert.equal(limiter.rate, 0, 'unlimited from 00:00');
    assert.equal(svc.status().source, 'schedule');
    assert.equal(svc.status().until_time, '07:00');
    clock.advance(7 * 3600_000);
    assert.equal(limiter.rate, 20 * MB, 'limited again from 07:00');
    svc.close();
    assert.equal(clock.timers.length, 0, 'closing cancels the boundary timer');
  });

  it('applies a settings change at once and re-times the boundary', () => {
    const clock = new FakeClock(at(12, 0));
    const settings = settingsOf({ bandwidth_limit_bps: 0, bandwidth_schedule: [] });
    const svc = new BandwidthService({ settings, clock });
    assert.equal(svc.limiter.rate, 0);
    assert.equal(svc.status().until, null);
    settings.set({ bandwidth_limit_bps: 2 * MB, bandwidth_schedule: [{ from: '12:30', to: '13:00', limit_bps: 1 * MB }] });
    assert.equal(svc.limiter.rate, 2 * MB);
    assert.equal(svc.status().until_time, '12:30');
    clock.advance(30 * 60_000);
    assert.equal(svc.limiter.rate, 1 * MB);
    svc.close();
  });
});

describe('bandwidth limiter', () => {
  const fake = () => {
    const clock = new FakeClock(at(12, 0));
    return {
      clock,
      limiter: (bps: number) => new BandwidthLimiter({ rateBps: bps, clock: { now: () => clock.ms, setTimer: (fn, ms) => clock.setTimer(fn, ms) } }),
    };
  };

  it('passes no more than the rate plus its burst, and resumes waiting connections in turn', () => {
    const { clock, limiter: make } = fake();
    const lim = make(1 * MB);
    let received = 0;
    const order: number[] = [];
    // three connections that read 64 KiB whenever they may
    const conns = [0, 1, 2].map((i) => {
      const c = {
        paused: false,
        ticket: lim.newTicket(() => {
          c.paused = false;
          order.push(i);
        }),
      };
      return c;
    });
    const readAll = () => {
      for (const c of conns)
        while (!c.paused) {
          received += 64 * 1024;
          if (!lim.charge(c.ticket, 64 * 1024)) c.paused = true;
        }
    };
    readAll();
    for (let t = 0; t < 100; t++) {
      clock.advance(100);
      readAll();
    }
    // 10 s at 1 MB/s, plus the burst and one read per connection beyond it
    assert.ok(received <= 10 * MB + 256 * 1024 + 3 * 64 * 1024, `received ${received}`);
    assert.ok(received >= 9 * MB, `received ${received}`);
    // first come, first served: the connections take turns
    const counts = [0, 1, 2].map((i) => order.filter((x) => x === i).length);
    assert.ok(Math.max(...counts) - Math.min(...counts) <= 2, `turns ${counts}`);
  });

  it('resumes everyone at once when the limit is lifted, and re-times them when it changes', () => {
    const { clock, limiter: make } = fake();
    const lim = make(100_000);
    let resumed = 0;
    const a = lim.newTicket(() => resumed++);
    const b = lim.newTicket(() => resumed++);
    assert.equal(lim.charge(a, 512 * 1024), false);
    assert.equal(lim.charge(b, 64 * 1024), false);
    assert.equal(lim.waiting, 2);
    clock.advance(1000);
    assert.equal(resumed, 0, 'still in debt at 100 kB/s');
    lim.setRate(100 * MB);
    clock.advance(10);
    assert.equal(resumed, 2, 'a higher rate resumes them sooner');
    assert.equal(lim.charge(a, 10 * MB), false);
    lim.setRate(0);
    assert.equal(resumed, 3);
    assert.equal(lim.limited, false);
    assert.equal(lim.waiting, 0);
  });

  it('forgets a connection that ends while it waits', () => {
    const { clock, limiter: make } = fake();
    const lim = make(1 * MB);
    let bResumed = 0;
    const a = lim.newTicket(() => assert.fail('a ended'));
    const b = lim.newTicket(() => bResumed++);
    lim.charge(a, 2 * MB);
    lim.charge(b, 1);
    lim.release(a);
    clock.advance(3000);
    assert.equal(bResumed, 1);
  });
});
