import type { SizeSpec } from './types.ts';

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  kib: 1024,
  m: 1e6,
  mb: 1e6,
  mib: 1024 ** 2,
  g: 1e9,
  gb: 1e9,
  gib: 1024 ** 3,
  t: 1e12,
  tb: 1e12,
  tib: 1024 ** 4,
};

/** "25MB" → 25e6, "3MiB" → 3·2^20, "1.5 GiB", 42 → 42. A trailing "/s" is ignored (bandwidths). */
export function parseSize(spec: SizeSpec): number {
  if (typeof spec === 'number') {
    if (!Number.isFinite(spec) || spec < 0) throw new Error(`invalid size: ${spec}`);
    return Math.floor(spec);
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*(?:\/s)?\s*$/i.exec(spec);
  const unit = m ? UNITS[(m[2] ?? '').toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new Error(`invalid size: ${JSON.stringify(spec)}`);
  return Math.floor(Number(m[1]) * unit);
}
