// Child processes for the benchmark. Always asynchronous: the simulator serves from this process's
// event loop, so a spawnSync here would stall every download being measured.
import { execFile, spawn } from 'node:child_process';

export interface ProcResult {
  /** exit code, or undefined when killed by a signal */
  code: number | undefined;
  signal: string | undefined;
  /** wall clock from spawn to exit */
  ms: number;
  timedOut: boolean;
  stdout: string;
  /** last few KiB of stderr, for the report when a tool fails */
  stderr: string;
  /** user + system CPU time of the process and its children, ms (from bash's `times`) */
  cpuMs?: number;
  /** spawn failed (e.g. ENOENT) */
  error?: Error;
}

const TAIL = 8 * 1024;
const running = new Set<() => void>();

/** Kills every tool still running (on Ctrl-C: they live in their own process groups). */
export function killRunning(): void {
  for (const kill of running) kill();
}

// bash runs the tool, then `times` prints its children's CPU: Node cannot get a child's rusage itself.
// On a 2-core machine shared with the simulator, a tool's CPU appetite is part of its speed.
const CPU_WRAPPER = 'cmd=$1; shift; "$cmd" "$@"; rc=$?; times >&2; exit $rc';
const TIMES = /\n?(\d+)m([\d.]+)s (\d+)m([\d.]+)s\n(\d+)m([\d.]+)s (\d+)m([\d.]+)s\s*$/;

export function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs: number }): Promise<ProcResult> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    // its own process group, so a timeout or Ctrl-C kills the tool and not just the bash around it
    const child = spawn('bash', ['-c', CPU_WRAPPER, 'bash', cmd, ...args], {
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const kill = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    running.add(kill);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let error: Error | undefined;
    // keep only tails: progress output of a 4 GiB download must not pile up in this process
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout = (stdout + s).slice(-4 * TAIL)));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr = (stderr + s).slice(-TAIL)));
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, opts.timeoutMs);
    let ms = 0;
    child.on('error', (e) => (error = e));
    child.on('exit', () => (ms = performance.now() - t0));
    child.on('close', (code, signal) => {
      ms ||= performance.now() - t0; // no 'exit' when the spawn itself failed
      clearTimeout(timer);
      running.delete(kill);
      const t = TIMES.exec(stderr);
      const cpuMs = t ? (Number(t[5]) * 60 + Number(t[6]) + Number(t[7]) * 60 + Number(t[8])) * 1000 : undefined;
      if (t) stderr = stderr.slice(0, t.index);
      // bash says "command not found" with 127 rather than failing to spawn
      if (code === 127 && !error) error = new Error(`${cmd}: not found`);
      resolve({
        code: code ?? undefined,
        signal: signal ?? undefined,
        ms,
        timedOut,
        stdout,
        stderr,
        ...(cpuMs !== undefined ? { cpuMs } : {}),
        ...(error ? { error } : {}),
      });
    });
  });
}

/** "<cmd> <version>" from `cmd <args>`'s banner, or undefined when the command is not installed. */
export function version(cmd: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 30_000 }, (err, stdout) => {
      if (err) return resolve(undefined); // ENOENT, or too broken to print its version
      // the first dotted number is the version in curl's, aria2c's and hf's banners (hf colours it)
      const v = /\d+\.\d+(?:\.\d+)?/.exec(String(stdout).replace(/\x1b\[[0-9;]*m/g, ''));
      resolve(v ? `${cmd} ${v[0]}` : cmd);
    });
  });
}
