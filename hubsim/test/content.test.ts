import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { generateBytes, openKeystream } from '../src/content.ts';
import { lfsPointerSize, lfsPointer } from '../src/git.ts';
import { evaluateRange } from '../src/range.ts';
import { fillTemplate } from '../src/repo-store.ts';
import { lfsSha256 } from '../src/sha256-cache.ts';
import { parseSize } from '../src/units.ts';

test('generated content is deterministic and random-access', () => {
  const whole = generateBytes('seed-a', 0, 100_000);
  assert.equal(whole.length, 100_000);
  assert.deepEqual(generateBytes('seed-a', 0, 100_000), whole);
  assert.notDeepEqual(generateBytes('seed-b', 0, 100_000), whole);
  // unaligned offsets must land on the same bytes as a full read
  for (const [start, len] of [
    [0, 1],
    [1, 15],
    [15, 2],
    [16, 16],
    [12_345, 23_456],
    [99_999, 1],
  ] as const) {
    assert.deepEqual(generateBytes('seed-a', start, len), whole.subarray(start, start + len), `slice ${start}+${len}`);
  }
  const read = openKeystream('seed-a', 7);
  const parts = [read(10), read(1), read(50_000), read(3)];
  assert.deepEqual(Buffer.concat(parts), whole.subarray(7, 7 + 50_014));
  // not a constant pattern
  assert.ok(new Set(whole.subarray(0, 4096)).size > 200);
});

test('generation spans more than the 1 MiB zero buffer', () => {
  const size = 3 * 1024 * 1024 + 5;
  const big = generateBytes('big', 0, size);
  assert.equal(big.length, size);
  assert.deepEqual(generateBytes('big', size - 100, 100), big.subarray(size - 100));
});

test('big sha256 is computed in a worker and cached on disk', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hubsim-sha-'));
  try {
    const size = 9 * 1024 * 1024 + 1; // above the inline limit
    const seed = `disk-cache-${process.pid}-${Date.now()}`;
    const expected = createHash('sha256')
      .update(generateBytes(seed, 0, size))
      .digest('hex');
    assert.equal(await lfsSha256(seed, size, dir), expected);
    const files = await readdir(dir);
    assert.equal(files.length, 1);
    assert.equal((await readFile(join(dir, files[0] ?? ''), 'utf8')).trim(), expected);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('LFS pointer size matches the pointer', () => {
  for (const size of [0, 9, 1234, 440_473_133, 4 * 1024 ** 3]) {
    assert.equal(lfsPointerSize(size), lfsPointer('a'.repeat(64), size).length);
  }
  assert.equal(lfsPointerSize(440_473_133), 134);
});

test('parseSize', () => {
  assert.equal(parseSize(42), 42);
  assert.equal(parseSize('25MB'), 25_000_000);
  assert.equal(parseSize('3MiB'), 3 * 1024 * 1024);
  assert.equal(parseSize('4 GiB'), 4 * 1024 ** 3);
  assert.equal(parseSize('64KiB'), 65_536);
  assert.equal(parseSize('300MB/s'), 300_000_000);
  assert.throws(() => parseSize('12 parsecs'));
});

test('path templates', () => {
  assert.equal(fillTemplate('data/{i/1000}/{i/100%10}/item-{i:4}.txt', 1234), 'data/1/2/item-1234.txt');
  assert.equal(fillTemplate('model-{n:5}-of-00008', 0), 'model-00001-of-00008');
  assert.equal(fillTemplate('{path}!', 3, 'a/b'), 'a/b!');
});

test('range evaluation', () => {
  const r = (range: string | undefined, size = 100, ifRange?: string) => evaluateRange(range, ifRange, size, 'abc');
  assert.deepEqual(r(undefined), { kind: 'full' });
  assert.deepEqual(r('bytes=0-0'), { kind: 'partial', start: 0, end: 0 });
  assert.deepEqual(r('bytes=10-'), { kind: 'partial', start: 10, end: 99 });
  assert.deepEqual(r('bytes=10-1000'), { kind: 'partial', start: 10, end: 99 });
  assert.deepEqual(r('bytes=-10'), { kind: 'partial', start: 90, end: 99 });
  assert.deepEqual(r('bytes=-1000'), { kind: 'partial', start: 0, end: 99 });
  assert.deepEqual(r('bytes=100-'), { kind: 'unsatisfiable' });
  assert.deepEqual(r('bytes=-0'), { kind: 'unsatisfiable' });
  assert.deepEqual(r('bytes=0-0', 0), { kind: 'unsatisfiable' });
  assert.deepEqual(r('bytes=5-3'), { kind: 'full' });
  assert.deepEqual(r('bytes=0-1,5-6'), { kind: 'full' });
  assert.deepEqual(r('bytes=10-', 100, '"abc"'), { kind: 'partial', start: 10, end: 99 });
  assert.deepEqual(r('bytes=10-', 100, '"old"'), { kind: 'full' });
  assert.deepEqual(r('bytes=10-', 100, 'W/"abc"'), { kind: 'full' });
});
