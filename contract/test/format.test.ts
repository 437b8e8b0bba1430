import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatBytes, formatDuration, formatRetryIn, formatSpeed } from '../src/format.ts';

test('sizes are SI with three significant digits, as the Hub shows them', () => {
  const cases: Array<[number | null | undefined, string]> = [
    [0, '0 B'],
    [512, '512 B'],
    [999, '999 B'],
    [1000, '1 kB'],
    [1234, '1.23 kB'],
    [12_345, '12.3 kB'],
    [999_499, '999 kB'],
    // rounds up into the next unit instead of showing "1000 kB"
    [999_999, '1 MB'],
    [980_000_000, '980 MB'],
    [1_500_000_000, '1.5 GB'],
    [4_983_468_632, '4.98 GB'],
    [1024 ** 5, '1.13 PB'],
    [null, '–'],
    [undefined, '–'],
    [Number.NaN, '–'],
  ];
  for (const [n, want] of cases) assert.equal(formatBytes(n), want, String(n));
});

test('speeds and durations', () => {
  assert.equal(formatSpeed(12_300_000), '12.3 MB/s');
  assert.equal(formatSpeed(null), '–');
  assert.equal(formatDuration(0), '0 s');
  assert.equal(formatDuration(42.4), '42 s');
  assert.equal(formatDuration(185), '3 min 5 s');
  assert.equal(formatDuration(7800), '2 h 10 min');
  assert.equal(formatDuration(-3), '0 s');
  assert.equal(formatDuration(null), '–');
});

test('a retry countdown', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(formatRetryIn('2026-01-01T00:00:40Z', now), 'in 40 s');
  assert.equal(formatRetryIn(now + 400, now), 'now');
  assert.equal(formatRetryIn('2025-12-31T23:59:00Z', now), 'now');
});
