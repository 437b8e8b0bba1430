// Numbers for people, in one style for the API's messages, the portal and the Android app.
// Sizes are SI (1000-based, "kB" with a lowercase k), as the Hugging Face Hub shows them next to a
// file, so a size read in D011DL matches the one on the model's page.

const BYTE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'] as const;

/** Shown where a number is not known (yet). */
export const UNKNOWN = '–';

/** 512 → "512 B", 12_345 → "12.3 kB", 1_500_000_000 → "1.5 GB": three significant digits, no trailing zeros. */
export function formatBytes(n: number | null | undefined): string {
  if (n == null || !Number.isFinite(n)) return UNKNOWN;
  if (Math.abs(n) < 1000) return `${Math.round(n)} B`;
  let i = 0;
  let v = n;
  // rounded before the unit is chosen, so 999_999 is "1 MB" rather than "1000 kB"
  while (i < BYTE_UNITS.length - 1 && Math.abs(Number(v.toPrecision(3))) >= 1000) {
    v /= 1000;
    i++;
  }
  return `${Number(v.toPrecision(3))} ${BYTE_UNITS[i]}`;
}

/** Bytes per second: "12.3 MB/s". */
export function formatSpeed(bps: number | null | undefined): string {
  return bps == null || !Number.isFinite(bps) ? UNKNOWN : `${formatBytes(bps)}/s`;
}

/** Seconds as "42 s", "3 min 5 s" or "2 h 10 min" (a time left, a time taken). */
export function formatDuration(s: number | null | undefined): string {
  if (s == null || !Number.isFinite(s)) return UNKNOWN;
  s = Math.max(0, Math.round(s));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h) return `${h} h ${m} min`;
  if (m) return `${m} min ${sec} s`;
  return `${sec} s`;
}

/** A retry's countdown, "in 40 s", or "now" once its time has come. */
export function formatRetryIn(retryAt: string | number, now = Date.now()): string {
  const at = typeof retryAt === 'number' ? retryAt : Date.parse(retryAt);
  const secs = Math.max(0, Math.round((at - now) / 1000));
  return secs > 0 ? `in ${secs} s` : 'now';
}
