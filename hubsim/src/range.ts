// Range / If-Range evaluation (RFC 9110 §14, docs/hub-protocol.md#range). Only single ranges: clients never send multi-range
// requests to the Hub, and ignoring a Range (sending 200) is always allowed.
// The simulator keeps its own copy on purpose (the mirror's is contract/src/http-range.ts): it stands in
// for the Hub, runs alone (deploy/smoke.sh mounts only hubsim/), and must not share a bug with the code
// it tests.
export type RangeResult = { kind: 'full' } | { kind: 'partial'; start: number; end: number } | { kind: 'unsatisfiable' };

export function evaluateRange(range: string | undefined, ifRange: string | undefined, size: number, etag: string): RangeResult {
  if (range === undefined) return { kind: 'full' };
  // If-Range needs a strong match with the current ETag; anything else (old etag, weak etag, a date —
  // we send no Last-Modified) means "the content changed: send all of it"
  if (ifRange !== undefined) {
    const v = ifRange.trim();
    if (v !== `"${etag}"` && v !== etag) return { kind: 'full' };
  }
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(range);
  if (!m) return { kind: 'full' };
  const [, a = '', b = ''] = m;
  if (a === '' && b === '') return { kind: 'full' };
  if (a === '') {
    const suffix = Number(b);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(a);
  if (b !== '' && Number(b) < start) return { kind: 'full' };
  if (start >= size) return { kind: 'unsatisfiable' };
  const end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  return { kind: 'partial', start, end };
}
