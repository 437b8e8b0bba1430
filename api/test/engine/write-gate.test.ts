// When received chunks are written at once on the event loop and when a device gets staged writes instead
// (write-gate.ts): pure timing rules, driven with explicit clock values.
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { resetWriteGates, writeAtOnce, wroteAtOnce } from '../../src/engine/write-gate.ts';

const DEV = 7;
beforeEach(() => resetWriteGates());

/** `n` writes of `ms` each, `every` ms apart from `from`; returns the time after the last. */
function writes(n: number, ms: number, from: number, every = 10): number {
  let t = from;
  for (let i = 0; i < n; i++, t += every) wroteAtOnce(DEV, t, t + ms);
  return t;
}

test('a quick device is written at once, however much it is written', () => {
  assert.equal(writeAtOnce(DEV, 0), true);
  const t = writes(5000, 0.05, 0, 1);
  assert.equal(writeAtOnce(DEV, t), true);
});

test('a stalled write turns the device to staged writes for 10 s, then 20 s the next time', () => {
  wroteAtOnce(DEV, 1000, 1150);
  assert.equal(writeAtOnce(DEV, 1151), false);
  assert.equal(writeAtOnce(DEV, 11_149), false);
  assert.equal(writeAtOnce(DEV, 11_150), true);
  wroteAtOnce(DEV, 12_000, 12_200);
  assert.equal(writeAtOnce(DEV, 31_000), false);
  assert.equal(writeAtOnce(DEV, 32_200), true);
  // another device is not affected
  assert.equal(writeAtOnce(DEV + 1, 12_300), true);
});

test('a device slow again long after its last slow spell starts from the first pause', () => {
  wroteAtOnce(DEV, 0, 200);
  wroteAtOnce(DEV, 20_000, 20_200);
  wroteAtOnce(DEV, 40_000, 40_200);
  // pauses grew 10 → 20 → 40 s
  assert.equal(writeAtOnce(DEV, 79_000), false);
  const later = 40_200 + 11 * 60_000;
  wroteAtOnce(DEV, later, later + 200);
  assert.equal(writeAtOnce(DEV, later + 10_199), false);
  assert.equal(writeAtOnce(DEV, later + 10_200), true);
});

test('a few hiccups within a second count; the same hiccups spread over seconds do not', () => {
  // 3 hiccups of 30 ms within a second: a busy machine, not a slow device
  let t = writes(3, 30, 0, 100);
  assert.equal(writeAtOnce(DEV, t), true);
  // one per second for ten seconds: still not
  for (let i = 0; i < 10; i++) t = writes(1, 30, t + 1000);
  assert.equal(writeAtOnce(DEV, t), true);
  // a fourth within the same second: slow
  t += 1000;
  writes(4, 30, t, 100);
  assert.equal(writeAtOnce(DEV, t + 500), false);
});

test('writes slow on average (a network share answering each one) turn to staged writes', () => {
  // 19 writes of 3 ms: too few to judge
  let t = writes(19, 3, 0, 5);
  assert.equal(writeAtOnce(DEV, t), true);
  t = writes(1, 3, t, 5);
  assert.equal(writeAtOnce(DEV, t), false);
  resetWriteGates();
  // 1 ms each: a slow disk's page cache, but not blocking enough to matter
  t = writes(500, 1, 0, 2);
  assert.equal(writeAtOnce(DEV, t), true);
});
