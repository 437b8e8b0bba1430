// The update check's timer follows update_check_interval_h (the Settings page) without a restart.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FastifyBaseLogger } from 'fastify';
import { startUpdateScheduler, tickPeriodMs, type Timers } from '../src/updates/update-scheduler.ts';

/** Timers that never fire by themselves: the test fires them. */
function manualTimers() {
  let next = 1;
  const pending = new Map<number, { fn: () => void; ms: number }>();
  const timers: Timers = {
    set: (fn, ms) => {
      pending.set(next, { fn, ms });
      return next++;
    },
    clear: (h) => pending.delete(h as number),
  };
  return {
    timers,
    pending: () => [...pending.values()],
    fire() {
      const [id, t] = [...pending.entries()][0]!;
      pending.delete(id);
      t.fn();
    },
  };
}

const log = { info() {}, warn() {} } as unknown as FastifyBaseLogger;

describe('update scheduler', () => {
  it('re-arms with a new interval, turns off at 0, and checks with the interval of the moment', async () => {
    const clock = manualTimers();
    let intervalH = 6;
    const checks: number[] = [];
    let release: () => void = () => {};
    const checkDue = async (h: number) => {
      checks.push(h);
      await new Promise<void>((r) => (release = r));
      return 0;
    };
    const s = startUpdateScheduler({ intervalH: () => intervalH, checkDue, log, timers: clock.timers });
    assert.deepEqual(
      clock.pending().map((p) => p.ms),
      [tickPeriodMs(6)],
    );

    intervalH = 0.01;
    s.rearm();
    assert.deepEqual(
      clock.pending().map((p) => p.ms),
      [tickPeriodMs(0.01)],
      'the old timer is gone, one with the new period replaces it',
    );

    clock.fire();
    assert.deepEqual(checks, [0.01]);
    intervalH = 2;
    s.rearm();
    assert.equal(clock.pending().length, 0, 'no second timer while a check runs');
    release();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(
      clock.pending().map((p) => p.ms),
      [tickPeriodMs(2)],
      'after the check, the next tick at the new period',
    );

    intervalH = 0;
    s.rearm();
    assert.equal(clock.pending().length, 0, '0: no more checks');
    intervalH = 1;
    s.rearm();
    assert.equal(clock.pending().length, 1, 'and on again');
    await s.close();
    assert.equal(clock.pending().length, 0);
  });
});
