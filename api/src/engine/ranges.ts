// Sets of byte ranges [start, end) kept sorted and merged: what is on disk, what is still missing.

export type ByteRange = [start: number, end: number];

export class RangeSet {
  #ranges: ByteRange[] = [];

  constructor(ranges: readonly ByteRange[] = []) {
    for (const [s, e] of ranges) this.add(s, e);
  }

  add(start: number, end: number): void {
    if (end <= start) return;
    // the common case, a connection's next chunk: its range grows in place (toJSON hands out copies)
    const rs = this.#ranges;
    for (let i = 0; i < rs.length; i++) {
      const r = rs[i]!;
      if (r[0] > start) break;
      if (start <= r[1]) {
        const next = rs[i + 1];
        if (next === undefined || end < next[0]) {
          if (end > r[1]) r[1] = end;
          return;
        }
        break;
      }
    }
    const out: ByteRange[] = [];
    let s = start;
    let e = end;
    let placed = false;
    for (const r of this.#ranges) {
      if (r[1] < s) out.push(r);
      else if (r[0] > e) {
        if (!placed) out.push([s, e]);
        placed = true;
        out.push(r);
      } else {
        s = Math.min(s, r[0]);
        e = Math.max(e, r[1]);
      }
    }
    if (!placed) out.push([s, e]);
    this.#ranges = out;
  }

  /** End of the covered run that contains `pos`, or `pos` itself when `pos` is not covered. */
  coveredEnd(pos: number): number {
    for (const [s, e] of this.#ranges) {
      if (s <= pos && pos < e) return e;
      if (s > pos) break;
    }
    return pos;
  }

  /** Total bytes covered. */
  size(): number {
    let n = 0;
    for (const [s, e] of this.#ranges) n += e - s;
    return n;
  }

  /** The gaps in [0, total). */
  missing(total: number): ByteRange[] {
    const gaps: ByteRange[] = [];
    let pos = 0;
    for (const [s, e] of this.#ranges) {
      if (s >= total) break;
      if (s > pos) gaps.push([pos, s]);
      pos = Math.max(pos, e);
    }
    if (pos < total) gaps.push([pos, total]);
    return gaps;
  }

  covers(total: number): boolean {
    return this.missing(total).length === 0;
  }

  /** Only what lies in [0, limit). */
  clip(limit: number): RangeSet {
    return new RangeSet(this.#ranges.filter(([s]) => s < limit).map(([s, e]) => [s, Math.min(e, limit)] as ByteRange));
  }

  toJSON(): ByteRange[] {
    return this.#ranges.map(([s, e]) => [s, e] as ByteRange);
  }
}

/** Cuts ranges into pieces of at most `size` bytes, in file order. */
export function splitRanges(ranges: readonly ByteRange[], size: number): ByteRange[] {
  const out: ByteRange[] = [];
  for (const [s, e] of ranges) {
    for (let p = s; p < e; p += size) out.push([p, Math.min(e, p + size)]);
  }
  return out;
}
