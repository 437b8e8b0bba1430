// The file scheduler's slots change while sets run (download_concurrency and segment_connections on the
// Settings page): files that start afterwards get the new values, running ones finish as they are.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FileScheduler } from '../../src/engine/index.ts';
import { holdUnlessAborted } from '../../src/engine/schedule.ts';

// lets every promise chain that can move, move
const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

describe('FileScheduler.setPolicy', () => {
  it('widens and narrows a running set, and new files get the new connections', async () => {
    const scheduler = new FileScheduler({ fileConcurrency: 1, segmentConnections: 2, segmentThreshold: 0, maxFileConnections: 2 });
    const running = new Map<number, () => void>();
    const connections: number[] = [];
    let peak = 0;
    const items = Array.from({ length: 7 }, (_, i) => ({ size: 1, i }));
    const done = scheduler.run(items, (item, conns) => {
      connections[item.i] = conns;
      return new Promise<void>((resolve) => {
        running.set(item.i, () => {
          running.delete(item.i);
          resolve();
        });
        peak = Math.max(peak, running.size);
      });
    });
    const finish = async (n: number) => {
      for (const i of [...running.keys()].slice(0, n)) running.get(i)!();
      await settle();
    };

    await settle();
    assert.equal(running.size, 1, 'one file at a time');
    scheduler.setPolicy({ fileConcurrency: 3, segmentConnections: 1 });
    await finish(1);
    assert.equal(running.size, 3, 'three at a time once the first one ended');
    assert.deepEqual(connections.slice(1, 4), [1, 1, 1], 'the new connections per file');

    scheduler.setPolicy({ fileConcurrency: 1, segmentConnections: 1 });
    assert.equal(running.size, 3, 'running files are not stopped');
    await finish(1);
    assert.equal(running.size, 2, 'no new file while more than one runs');
    await finish(1);
    assert.equal(running.size, 1);
    await finish(1);
    assert.equal(running.size, 1, 'the next file takes the one slot');
    while (running.size) await finish(1);
    await done;
    assert.equal(connections.filter((c) => c !== undefined).length, 7);
    assert.equal(peak, 3);
  });

  it('a slot freed by one set goes to another set waiting on the same scheduler', async () => {
    const scheduler = new FileScheduler({ fileConcurrency: 2, segmentConnections: 1, segmentThreshold: 0 });
    const gates: Array<() => void> = [];
    const hold = () => new Promise<void>((resolve) => gates.push(resolve));
    const a = scheduler.run([{ size: 1 }, { size: 1 }], hold);
    const b = scheduler.run([{ size: 1 }], hold);
    await settle();
    assert.equal(gates.length, 2);
    scheduler.setPolicy({ fileConcurrency: 3, segmentConnections: 1 });
    await settle();
    assert.equal(gates.length, 3, 'the waiting set starts when the scheduler grows');
    for (const g of gates) g();
    await Promise.all([a, b]);
  });

  it('a file that hands its slot back lets the next one start, and waits for a slot to fetch again', async () => {
    const scheduler = new FileScheduler({ fileConcurrency: 1, segmentConnections: 1, segmentThreshold: 0 });
    const events: string[] = [];
    const gates = new Map<string, () => void>();
    const gate = (name: string) => new Promise<void>((resolve) => gates.set(name, resolve));
    const open = async (name: string) => {
      gates.get(name)!();
      await settle();
    };
    const done = scheduler.run(
      [
        { size: 1, name: 'a' },
        { size: 1, name: 'b' },
      ],
      async (item, _conns, slot) => {
        events.push(`${item.name} fetches`);
        await gate(`${item.name} bytes in`);
        slot.release();
        slot.release(); // a second release must not free a slot it does not hold
        events.push(`${item.name} finishes`);
        await gate(`${item.name} again`);
        await slot.hold();
        events.push(`${item.name} fetches again`);
        await gate(`${item.name} end`);
      },
    );
    await settle();
    assert.deepEqual(events, ['a fetches']);
    await open('a bytes in');
    assert.deepEqual(events, ['a fetches', 'a finishes', 'b fetches'], 'b starts while a finishes without a slot');
    await open('a again');
    assert.equal(events.length, 3, 'a waits for the slot b holds');
    await open('b bytes in');
    assert.deepEqual(events.slice(3), ['b finishes', 'a fetches again']);
    await open('b again');
    assert.equal(events.length, 5, 'b waits for the slot a holds again');
    await open('a end');
    assert.equal(events.at(-1), 'b fetches again', 'the slot a held to the end is handed on');
    await open('b end');
    await done;
  });

  it('a canceled file stops waiting for a slot, and the slot it would have got is not lost', async () => {
    const scheduler = new FileScheduler({ fileConcurrency: 1, segmentConnections: 1, segmentThreshold: 0 });
    const cancel = new AbortController();
    const started: string[] = [];
    let finishB = () => {};
    const done = scheduler.run(
      [
        { size: 1, name: 'a' },
        { size: 1, name: 'b' },
        { size: 1, name: 'c' },
      ],
      async (item, _conns, slot) => {
        started.push(item.name);
        if (item.name === 'a') {
          slot.release(); // its bytes are in; b takes the slot
          started.push('a waits');
          await holdUnlessAborted(slot, cancel.signal); // a must fetch again: it waits for b
          started.push('a again');
        } else if (item.name === 'b') {
          await new Promise<void>((resolve) => (finishB = resolve));
        }
      },
    );
    await settle();
    assert.deepEqual(started, ['a', 'a waits', 'b'], 'a waits for the slot b holds');
    cancel.abort();
    await settle();
    assert.deepEqual(started.slice(3), ['a again'], 'the cancel ends the wait at once');
    finishB();
    await settle();
    assert.deepEqual(started.slice(4), ['c'], 'c gets the slot b gave up (a no longer wanted it)');
    await done;
  });
});
