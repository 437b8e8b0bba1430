import type { BandwidthWindow } from './admin-settings.ts';

// The schedule as one line of text, for BANDWIDTH_SCHEDULE and the portal's field:
// "00:00-07:00=unlimited, 18:00-23:00=5" — each window HH:MM-HH:MM, then "unlimited" or MB/s (10^6 bytes).

const WINDOW = /^([01]\d|2[0-3]):([0-5]\d)\s*-\s*([01]\d|2[0-3]):([0-5]\d)\s*=\s*(unlimited|\d+(?:\.\d+)?)$/i;

/** The windows, or a message saying what is wrong with the text. */
export function parseBandwidthSchedule(text: string): BandwidthWindow[] | string {
  const windows: BandwidthWindow[] = [];
  for (const part of text
    .split(/[,;\n]/)
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = WINDOW.exec(part);
    if (!m) return `"${part}" is not a window: write HH:MM-HH:MM=<MB/s or unlimited>, e.g. "00:00-07:00=unlimited"`;
    const from = `${m[1]}:${m[2]}`;
    const to = `${m[3]}:${m[4]}`;
    if (from === to) return `"${part}" starts and ends at the same time`;
    const mbps = m[5]!.toLowerCase() === 'unlimited' ? null : Number(m[5]);
    if (mbps === 0) return `"${part}": use "unlimited" for no limit, or a rate above 0 MB/s`;
    windows.push({ from, to, limit_bps: mbps === null ? null : Math.max(1, Math.round(mbps * 1_000_000)) });
  }
  return windows;
}

export function formatBandwidthSchedule(windows: readonly BandwidthWindow[]): string {
  return windows.map((w) => `${w.from}-${w.to}=${w.limit_bps === null ? 'unlimited' : String(+(w.limit_bps / 1_000_000).toFixed(3))}`).join(', ');
}
