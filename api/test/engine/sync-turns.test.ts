// Checkpoint fsyncs take turns per device (sync-turns.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { syncTurn } from '../../src/engine/sync-turns.ts';

const tick = () => new Promise((r) => setImmediate(r));

test('one sync at a time on a device, side by side on two, and a failed one does not block the next', async () => {
  const running = new Set<string>();
  const order: string[] = [];
  const gates = new Map<string, (fail?: boolean) => void>();
  const sync = (dev: number, name: string) =>
    syncTurn(dev, async () => {
      running.add(name);
      order.push(name);
      const fail = await new Promise<boolean | undefined>((resolve) => gates.set(name, resolve));
      running.delete(name);
      if (fail) throw new Error(`${name} failed`);
      return name;
    });
  const a = sync(1, 'a');
  const b = sync(1, 'b');
  const c = sync(2, 'c');
  await tick();
  assert.deepEqual([...running].sort(), ['a', 'c'], 'b waits for a; c is on another device');
  gates.get('a')!(true);
  await assert.rejects(a, /a failed/);
  await tick();
  assert.deepEqual([...running].sort(), ['b', 'c'], 'b runs after a failed');
  gates.get('b')!();
  gates.get('c')!();
  assert.equal(await b, 'b');
  assert.equal(await c, 'c');
  assert.deepEqual(order, ['a', 'c', 'b']);
});
