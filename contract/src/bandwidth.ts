import { z } from 'zod';
import type { BandwidthWindow } from './admin-settings.ts';

// The schedule as one line of text, for BANDWIDTH_SCHEDULE and the portal's field:
// "00:00-07:00=unlimited, 18:00-23:00=5" — each window HH:MM-HH:MM, then "unlimited" or MB/s (10^6 bytes).
// A window that ends when it starts ("00:00-00:00") lasts all day.

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
    const mbps = m[5]!.toLowerCase() === 'unlimited' ? null : Number(m[5]);
    if (mbps === 0) return `"${part}": use "unlimited" for no limit, or a rate above 0 MB/s`;
    windows.push({ from, to, limit_bps: mbps === null ? null : Math.max(1, Math.round(mbps * 1_000_000)) });
  }
  return windows;
}

export function formatBandwidthSchedule(windows: readonly BandwidthWindow[]): string {
  return windows.map((w) => `${w.from}-${w.to}=${w.limit_bps === null ? 'unlimited' : String(+(w.limit_bps / 1_000_000).toFixed(3))}`).join(', ');
}

// GET /bandwidth: the limit in force on this API instance now, for the job page's "limited to 20 MB/s until 00:00".
export const BandwidthStatusSchema = z.object({
  limit_bps: z.number().int().min(0).describe('bytes per second shared by every download of this API instance; 0: unlimited'),
  until: z.string().nullable().describe('when the limit next changes (ISO 8601), or null when it does not'),
  until_time: z.string().nullable().describe('the same moment as HH:MM in the server time zone, the one the schedule is written in'),
  next_limit_bps: z.number().int().min(0).nullable().describe('the limit from `until` on; 0: unlimited'),
  source: z.enum(['setting', 'schedule']).describe('a schedule window sets it, or the plain limit'),
});
export type BandwidthStatus = z.infer<typeof BandwidthStatusSchema>;
