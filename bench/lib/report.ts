// The Markdown report: one row per shape, one column per tool, then targets and per-run details.
import type { BenchArgs, ToolName } from './args.ts';
import type { Shape } from './shapes.ts';

export type Outcome = 'ok' | 'WRONG' | 'FAILED' | 'TIMEOUT' | 'not installed';

export interface RunRecord {
  shape: Shape;
  tool: ToolName;
  outcome: Outcome;
  bytes: number;
  files: number;
  ms?: number;
  /** wall clock of the whole process (differs from ms for d011dl: Node start-up, reading tasks) */
  procMs?: number;
  peakRss?: number;
  cpuMs?: number;
  /** body bytes the simulator sent / bytes the files hold: > 1 means re-fetched or wasted bytes */
  served?: number;
  requests?: number;
  /** fsync of the tool's files after it exited (verify.ts flushFiles): what it left unwritten to disk */
  flushMs?: number;
  detail?: string;
}

export interface MachineInfo {
  date: Date;
  nproc: number;
  cpu: string;
  memGB: number;
  node: string;
  versions: Partial<Record<ToolName, string>>;
}

const mbps = (r: RunRecord): number => (r.ms ? r.bytes / (r.ms / 1000) / 1e6 : 0);
/** speed until the bytes are on disk: the tool's time plus the fsync of its files after it exited */
const durableMbps = (r: RunRecord): number => (r.ms ? r.bytes / ((r.ms + (r.flushMs ?? 0)) / 1000) / 1e6 : 0);
const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(0)} MB`;

function cell(r: RunRecord | undefined, link: number): string {
  if (!r) return '–';
  if (r.outcome !== 'ok') return r.outcome;
  const share = (mbps(r) * 1e6 * 100) / link;
  const pct = link ? ` (${share < 1 ? '<1' : Math.round(share)}% of link)` : '';
  return `${mbps(r).toFixed(1)} MB/s${pct}`;
}

function targets(records: RunRecord[], shapes: Shape[], args: BenchArgs): string[] {
  const out: string[] = [];
  const d = (s: Shape) => records.find((r) => r.shape === s && r.tool === 'd011dl');
  const ok = (r: RunRecord | undefined): boolean => r?.outcome === 'ok';
  const mark = (b: boolean) => (b ? '✓' : '✗');
  if (!shapes.some((s) => d(s)?.outcome !== 'not installed' && d(s))) return ['D011DL was not run.'];

  if (args.link) {
    const large = shapes.filter((s) => s.kind === 'large');
    const parts = large.map((s) => {
      const r = d(s);
      if (!r || !ok(r)) return `${s.name} ${r?.outcome ?? '–'} ✗`;
      const pct = (mbps(r) * 1e6 * 100) / args.link;
      return `${s.name} ${pct.toFixed(0)}% ${mark(pct >= 85)}`;
    });
    if (parts.length) out.push(`- ≥ 85% of the link cap on large shapes: ${parts.join(', ')}`);
  }
  const vsPeer = shapes.map((s) => {
    const r = d(s);
    const peers = records.filter((p) => p.shape === s && !p.tool.startsWith('d011dl') && ok(p));
    const best = peers.sort((a, b) => mbps(b) - mbps(a))[0];
    if (!r || !ok(r)) return `${s.name} ${r?.outcome ?? '–'} ✗`;
    if (!best) return `${s.name} no peer`;
    const ratio = mbps(r) / mbps(best);
    return `${s.name} ${ratio.toFixed(2)}× ${best.tool} ${mark(ratio >= 1)}`;
  });
  out.push(`- at least as fast as the best peer: ${vsPeer.join(', ')}`);
  const onDisk = shapes.flatMap((s) => {
    const r = d(s);
    const best = records
      .filter((p) => p.shape === s && !p.tool.startsWith('d011dl') && ok(p) && p.flushMs !== undefined)
      .sort((a, b) => durableMbps(b) - durableMbps(a))[0];
    return r && ok(r) && best ? [`${s.name} ${(durableMbps(r) / durableMbps(best)).toFixed(2)}× ${best.tool}`] : [];
  });
  if (onDisk.length) out.push(`- (not a target) until the bytes are on disk, the peers' files fsynced after they exit: ${onDisk.join(', ')}`);
  const api = (s: Shape) => records.find((r) => r.shape === s && r.tool === 'd011dl-api');
  const rss = [...shapes.map(d), ...shapes.map(api)].filter((r) => r && ok(r)).map((r) => r?.peakRss ?? 0);
  if (rss.length) out.push(`- peak RSS < 300 MB: max ${mb(Math.max(...rss))} ${mark(Math.max(...rss) < 300e6)}`);
  return out;
}

export function renderReport(records: RunRecord[], shapes: Shape[], tools: ToolName[], args: BenchArgs, m: MachineInfo): string {
  const cap = (n: number, unit: string) => (n ? `${n / 1e6} ${unit}` : 'uncapped');
  const single = args.perConn ? Math.min(args.link || Infinity, 8 * args.perConn) : 0;
  const lines = [
    `# D011DL download benchmark — ${m.date.toISOString().slice(0, 16).replace('T', ' ')} UTC${args.quick ? ' (quick)' : ''}`,
    '',
    `- Machine: nproc ${m.nproc}, ${m.cpu}, ${m.memGB.toFixed(0)} GB RAM; Node ${m.node}`,
    `- Simulator caps: ${cap(args.perConn, 'MB/s')} per connection, ${cap(args.link, 'MB/s')} link, ${args.latencyMs} ms latency per request`,
    `- Tools: ${tools.map((t) => m.versions[t] ?? `${t} (not installed)`).join(', ')}`,
    `- Settings: d011dl 4 files × 8 segment connections; curl 1 connection, sequential; aria2c -x16 -s16 -j8 -k1M; hf download --max-workers 8, no Xet`,
    '',
    `| Shape | ${tools.join(' | ')} | D011DL peak RSS |`,
    `|---|${tools.map(() => '---|').join('')}---|`,
  ];
  for (const s of shapes) {
    const row = tools.map((t) =>
      cell(
        records.find((r) => r.shape === s && r.tool === t),
        args.link,
      ),
    );
    const d = records.find((r) => r.shape === s && r.tool === 'd011dl');
    lines.push(`| ${s.name} (${s.label}) | ${row.join(' | ')} | ${d?.peakRss ? mb(d.peakRss) : '–'} |`);
  }
  lines.push(
    '',
    "MB = 10^6 bytes. Time = wall clock of the tool's process from start to exit; for d011dl, the engine run",
    'inside its own process (without Node start-up). One side-by-side run on a shared machine: compare ratios.',
    "Then fsync = an fsync of the tool's files right after it exited: bytes it left in the page cache only.",
  );
  if (single) {
    lines.push(
      `At these caps one connection tops out at ${args.perConn / 1e6} MB/s; 8 connections on one file at ${single / 1e6} MB/s` +
        (args.link ? ` (${Math.round((single * 100) / args.link)}% of link).` : '.'),
    );
  }
  lines.push(
    '',
    '## Targets (D011DL)',
    '',
    ...targets(records, shapes, args),
    '',
    '## Runs',
    '',
    '| Shape | Tool | Result | Time | Process | MB/s | Then fsync | Served / size | Requests | CPU | Peak RSS | Detail |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const r of records) {
    const sec = (ms?: number) => (ms === undefined ? '–' : `${(ms / 1000).toFixed(1)} s`);
    lines.push(
      `| ${r.shape.name} | ${r.tool} | ${r.outcome} | ${sec(r.ms)} | ${sec(r.procMs)} | ${r.outcome === 'ok' ? mbps(r).toFixed(1) : '–'} | ${sec(r.flushMs)} | ` +
        `${r.served === undefined ? '–' : (r.served / r.bytes).toFixed(3)} | ${r.requests ?? '–'} | ${sec(r.cpuMs)} | ${r.peakRss ? mb(r.peakRss) : '–'} | ${(r.detail ?? '').replace(/\|/g, '\\|').replace(/\s+/g, ' ')} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}
