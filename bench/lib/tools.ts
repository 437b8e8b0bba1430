// The downloaders being compared, each run as its own process against the simulator. Each runner writes
// the files of one shape under `ctx.outDir` at their repo paths; download.ts times and verifies them.
import { appendFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveUrlOf } from '../../api/src/hub/resolve-url.ts';
import { hfCliEnv } from '../../api/src/jobs/hf-cli-env.ts';
import type { ExpectedFile } from '../../hubsim/src/index.ts';
import type { ToolName } from './args.ts';
import { run, version, type ProcResult } from './proc.ts';

export interface RunContext {
  hubUrl: string;
  repo: string;
  commit: string;
  files: ExpectedFile[];
  /** empty directory the files go to */
  outDir: string;
  /** scratch directory for config files, HF_HOME, … (not verified) */
  workDir: string;
  timeoutMs: number;
}

export interface ToolRun {
  proc: ProcResult;
  /** the time that counts: the process's wall clock, or for d011dl the engine run */
  ms: number;
  /** d011dl only: peak RSS of its process, bytes */
  peakRss?: number;
  /** d011dl only: the engine's own error, if it reported one */
  engineError?: string;
}

export interface Tool {
  name: ToolName;
  /** a version banner, or undefined when the tool is not installed */
  version(): Promise<string | undefined>;
  run(ctx: RunContext): Promise<ToolRun>;
}

const root = join(import.meta.dirname, '..', '..');

export function resolveUrl(ctx: Pick<RunContext, 'hubUrl' | 'repo' | 'commit'>, path: string): string {
  return resolveUrlOf(ctx.hubUrl, ctx.repo, ctx.commit, path);
}

const dest = (ctx: RunContext, path: string): string => join(ctx.outDir, ...path.split('/'));

// curl config strings are double-quoted with backslash escapes
const curlQuote = (s: string): string => `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;

const curl: Tool = {
  name: 'curl',
  version: () => version('curl', ['--version']),
  async run(ctx) {
    // one process, one connection at a time, reused across files (keep-alive)
    const cfg = join(ctx.workDir, 'curl.cfg');
    await writeFile(cfg, ctx.files.map((f) => `url = ${curlQuote(resolveUrl(ctx, f.path))}\noutput = ${curlQuote(dest(ctx, f.path))}\n`).join(''));
    const proc = await run('curl', ['-K', cfg, '-L', '--fail', '--fail-early', '--create-dirs', '-sS'], { timeoutMs: ctx.timeoutMs });
    return { proc, ms: proc.ms };
  },
};

const aria2c: Tool = {
  name: 'aria2c',
  version: () => version('aria2c', ['--version']),
  async run(ctx) {
    const input = join(ctx.workDir, 'aria2.txt');
    await writeFile(input, ctx.files.map((f) => `${resolveUrl(ctx, f.path)}\n  dir=${ctx.outDir}\n  out=${f.path}\n`).join(''));
    // the flags hfd.sh uses (-x/-s/-j/-k 1M), minus its resume/session bits: every run starts empty
    const args = [
      '-i',
      input,
      '-x16',
      '-s16',
      '-j8',
      '-k1M',
      '--file-allocation=none',
      '--console-log-level=warn',
      '--summary-interval=0',
      '--auto-file-renaming=false',
      '--allow-overwrite=true',
      '--download-result=hide',
    ];
    const proc = await run('aria2c', args, { timeoutMs: ctx.timeoutMs });
    return { proc, ms: proc.ms };
  },
};

const hf: Tool = {
  name: 'hf',
  version: () => version('hf', ['version']),
  async run(ctx) {
    // as production runs it: a real token from the user's shell would be refused by the simulator (401)
    const env = hfCliEnv({ endpoint: ctx.hubUrl, hfHome: join(ctx.workDir, 'hf-home') });
    const args = ['download', ctx.repo, '--revision', ctx.commit, '--local-dir', ctx.outDir, '--max-workers', '8'];
    const proc = await run('hf', args, { env, timeoutMs: ctx.timeoutMs });
    return { proc, ms: proc.ms };
  },
};

/** What bench/run-d011dl.ts prints as its last stdout line. */
export interface D011dlReport {
  ms: number;
  /** process.resourceUsage().maxRSS: KiB */
  maxRssKiB: number;
  cpuMs: number;
  error?: string;
}

const d011dl: Tool = {
  name: 'd011dl',
  // present whenever the engine's entry point is: the runner imports it
  version: async () => {
    const r = await run(process.execPath, [join(root, 'bench', 'run-d011dl.ts'), '--check'], { timeoutMs: 30_000 });
    return r.code === 0 ? 'd011dl (api/src/engine)' : undefined;
  },
  async run(ctx) {
    const job = join(ctx.workDir, 'd011dl-tasks.json');
    const tasks = ctx.files.map((f) => ({
      path: f.path,
      size: f.size,
      ...(f.lfs ? { sha256: f.sha256 } : { gitOid: f.oid }),
      url: resolveUrl(ctx, f.path),
      dest: dest(ctx, f.path),
    }));
    await writeFile(job, JSON.stringify({ hubOrigin: new URL(ctx.hubUrl).origin, tasks }));
    const proc = await run(process.execPath, [...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean), join(root, 'bench', 'run-d011dl.ts'), job], {
      timeoutMs: ctx.timeoutMs,
    });
    return readReport(proc);
  },
};

/** Parses the JSON report a D011DL runner prints as its last stdout line. */
function readReport(proc: ProcResult): ToolRun {
  // BENCH_CHILD_LOG=FILE keeps what the runner printed (e.g. with BENCH_NODE_ARGS=--trace-gc)
  if (process.env.BENCH_CHILD_LOG) appendFileSync(process.env.BENCH_CHILD_LOG, proc.stdout + proc.stderr);
  const last = proc.stdout.trim().split('\n').at(-1) ?? '';
  let report: D011dlReport | undefined;
  try {
    report = JSON.parse(last) as D011dlReport;
  } catch {
    report = undefined;
  }
  if (!report) return { proc, ms: proc.ms };
  return { proc, ms: report.ms, peakRss: report.maxRssKiB * 1024, ...(report.error ? { engineError: report.error } : {}) };
}

// The product as users run it: API + job queue + PostgreSQL, the job posted through POST /downloads.
const d011dlApi: Tool = {
  name: 'd011dl-api',
  version: async () => 'd011dl API (POST /downloads → succeeded)',
  async run(ctx) {
    const job = join(ctx.workDir, 'd011dl-api-job.json');
    // one database for the whole bench run (initialised once; PostgreSQL is not what is measured)
    const dataDir = join(tmpdir(), 'd011dl-bench-api-data');
    await writeFile(job, JSON.stringify({ hubUrl: ctx.hubUrl, repo: ctx.repo, commit: ctx.commit, outDir: ctx.outDir, dataDir }));
    const proc = await run(
      process.execPath,
      // the API's launch flag (api/Dockerfile.api); BENCH_NODE_ARGS come after it and may override it
      ['--max-semi-space-size=8', ...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean), join(root, 'bench', 'run-d011dl-api.ts'), job],
      { timeoutMs: ctx.timeoutMs },
    );
    return readReport(proc);
  },
};

export const TOOLS: Record<ToolName, Tool> = { d011dl, 'd011dl-api': d011dlApi, curl, aria2c, hf };
