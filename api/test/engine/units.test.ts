// Pure pieces of the engine: range bookkeeping, retry delays, the Hub's 429 headers and error text.
import assert from 'node:assert/strict';
import { expiresSoon, urlExpiresAt, urlLooksSigned } from '../../src/engine/signed-link.ts';
import { test } from 'node:test';
import { backoffMs, serverWaitMs } from '../../src/engine/backoff.ts';
import { hubMessage, normalizeEtag } from '../../src/engine/http-client.ts';
import { RangeSet, splitRanges } from '../../src/engine/ranges.ts';
import { tailPiece } from '../../src/engine/transfer-parts.ts';

test('RangeSet merges, reports gaps and the contiguous frontier', () => {
  const r = new RangeSet();
  r.add(10, 20);
  r.add(30, 40);
  r.add(20, 25); // touches the first run
  r.add(0, 0); // empty: ignored
  assert.deepEqual(r.toJSON(), [
    [10, 25],
    [30, 40],
  ]);
  assert.deepEqual(r.missing(50), [
    [0, 10],
    [25, 30],
    [40, 50],
  ]);
  assert.equal(r.coveredEnd(12), 25);
  assert.equal(r.coveredEnd(25), 25);
  assert.equal(r.size(), 25);
  r.add(0, 50);
  assert.ok(r.covers(50));
  assert.deepEqual(
    new RangeSet([
      [0, 10],
      [20, 30],
    ])
      .clip(25)
      .toJSON(),
    [
      [0, 10],
      [20, 25],
    ],
  );
  assert.deepEqual(
    splitRanges(
      [
        [0, 10],
        [20, 25],
      ],
      4,
    ),
    [
      [0, 4],
      [4, 8],
      [8, 10],
      [20, 24],
      [24, 25],
    ],
  );
});

test('backoff uses full jitter under an exponential ceiling with a cap', () => {
  for (let i = 0; i < 200; i++) {
    const a1 = backoffMs(1, 500, 30_000);
    const a4 = backoffMs(4, 500, 30_000);
    const a20 = backoffMs(20, 500, 30_000);
    assert.ok(a1 >= 0 && a1 <= 500);
    assert.ok(a4 >= 0 && a4 <= 4_000);
    assert.ok(a20 >= 0 && a20 <= 30_000);
  }
});

test('429 waits come from RateLimit r=0;t=N (exactly N s), else Retry-After (+1 s)', () => {
  assert.equal(serverWaitMs({ ratelimit: '"resolvers";r=0;t=7', 'retry-after': '2' }), 7_000);
  assert.equal(serverWaitMs({ ratelimit: '"resolvers";r=5;t=7', 'retry-after': '2' }), 3_000);
  assert.equal(serverWaitMs({ 'retry-after': '0' }), 1_000);
  assert.equal(serverWaitMs({}), undefined);
  const inTwoSeconds = new Date(Date.now() + 2_000).toUTCString();
  const w = serverWaitMs({ 'retry-after': inTwoSeconds })!;
  assert.ok(w > 0 && w <= 3_000, String(w));
});

test("the Hub's error text comes from X-Error-Message, else the JSON body", () => {
  assert.equal(hubMessage({ 'x-error-message': 'Entry not found' }, '{"error":"other"}'), 'Entry not found');
  assert.equal(hubMessage({ 'content-type': 'application/json' }, '{"error":"Repository not found"}'), 'Repository not found');
  assert.equal(hubMessage({ 'content-type': 'application/json' }, '{"error":["a","b"],"error_description":"c"}'), 'a; b; c');
  assert.equal(hubMessage({ 'content-type': 'text/html' }, '<html>nope</html>'), '');
  assert.equal(normalizeEtag('W/"abc"'), 'abc');
  assert.equal(normalizeEtag('"abc"'), 'abc');
});

test('signed links: expiry from X-Amz-Date + X-Amz-Expires or CloudFront Expires, renewed a little early', () => {
  const amz = 'https://cdn.example/x?X-Amz-Date=20261130T010000Z&X-Amz-Expires=3600&X-Amz-Signature=ab';
  assert.equal(urlExpiresAt(amz), Date.UTC(2026, 10, 30, 2, 0, 0));
  assert.equal(urlExpiresAt('https://cdn.example/x?Expires=1796000000&Signature=a&Key-Pair-Id=K'), 1_796_000_000_000);
  assert.equal(urlExpiresAt('https://cdn.example/x?foo=1'), undefined);
  assert.equal(urlLooksSigned(amz), true);
  assert.equal(urlLooksSigned('https://cdn.example/x?foo=1'), false);
  const stamp = (ms: number) =>
    new Date(ms)
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z');
  // an hour-long link with 10 s left is renewed (within a minute of its end); a fresh one is not
  assert.equal(expiresSoon(`https://cdn.example/x?X-Amz-Date=${stamp(Date.now() - 3_590_000)}&X-Amz-Expires=3600`), true);
  assert.equal(expiresSoon(`https://cdn.example/x?X-Amz-Date=${stamp(Date.now())}&X-Amz-Expires=3600`), false);
  assert.equal(expiresSoon(`https://cdn.example/x?Expires=${Math.floor(Date.now() / 1000) + 3600}`), false);
});

test('the last stretch of a segmented file goes out in smaller pieces, never below 4 MiB', () => {
  const MiB = 1024 * 1024;
  const s = { connections: 8, segmentSize: 32 * MiB };
  const left = (n: number) => splitRanges([[0, n]], s.segmentSize);
  assert.equal(tailPiece(left(4096 * MiB), s), 32 * MiB, 'whole segments while plenty is left');
  assert.equal(tailPiece(left(512 * MiB), s), 32 * MiB, 'two segments per connection left: still whole');
  assert.equal(tailPiece(left(256 * MiB), s), 16 * MiB);
  assert.equal(tailPiece(left(80 * MiB), s), 5 * MiB);
  assert.equal(tailPiece(left(8 * MiB), s), 4 * MiB, 'not below 4 MiB: a request costs a round trip');
  assert.equal(tailPiece(left(256 * MiB), { connections: 1, segmentSize: 32 * MiB }), 32 * MiB, 'one connection: whole ranges');
});
