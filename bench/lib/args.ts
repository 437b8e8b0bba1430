// Command-line flags of `npm run bench:download`.
import { parseArgs } from 'node:util';
import { parseSize } from '../../hubsim/src/index.ts';
import { FULL_SHAPES, QUICK_SHAPES } from './shapes.ts';

export const TOOL_NAMES = ['d011dl', 'd011dl-api', 'curl', 'aria2c', 'hf'] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

export interface BenchArgs {
  /** bytes/s per connection; 0 = uncapped */
  perConn: number;
  /** bytes/s across all connections; 0 = uncapped */
  link: number;
  latencyMs: number;
  shapes: string[];
  tools: ToolName[];
  outDir: string;
  quick: boolean;
}

export const USAGE = `usage: npm run bench:download -- [--quick] [--per-conn 25MB] [--link 300MB] [--latency 20]
         [--shapes one-4g,eight-512m,small-2000] [--tools d011dl,d011dl-api,curl,aria2c,hf] [--out bench/results]
Sizes: 25MB = 25e6 bytes/s, 25MiB = 25·2^20; 0 = no cap.
--quick: shapes one-256m,eight-64m,small-200 (about 1–2 minutes in all).`;

export function readArgs(argv: string[]): BenchArgs | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      'per-conn': { type: 'string', default: '25MB' },
      link: { type: 'string', default: '300MB' },
      latency: { type: 'string', default: '20' },
      shapes: { type: 'string' },
      tools: { type: 'string', default: TOOL_NAMES.join(',') },
      out: { type: 'string', default: 'bench/results' },
      quick: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return undefined;
  const latencyMs = Number(values.latency);
  if (!Number.isInteger(latencyMs) || latencyMs < 0) throw new Error('--latency must be a whole number of ms');
  const list = (s: string): string[] =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
  const tools = list(values.tools).map((t) => {
    if (!(TOOL_NAMES as readonly string[]).includes(t)) throw new Error(`unknown tool "${t}" (known: ${TOOL_NAMES.join(', ')})`);
    return t as ToolName;
  });
  return {
    perConn: parseSize(values['per-conn']),
    link: parseSize(values.link),
    latencyMs,
    shapes: values.shapes ? list(values.shapes) : values.quick ? QUICK_SHAPES : FULL_SHAPES,
    tools,
    outDir: values.out,
    quick: values.quick,
  };
}
