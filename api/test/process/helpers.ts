// Running D011DL's processes as a person does, and watching them from outside (/proc).
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const root = path.resolve(import.meta.dirname, '../../..');

export interface Running {
  proc: ChildProcess;
  out(): string;
  exited: Promise<number | null>;
}

/** The environment a user has: no PG* (so the embedded database), no test runner's settings. */
export function userEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PG') && !k.startsWith('TEST_PG') && k !== 'LOG_FORMAT'));
  return { ...env, LOG_LEVEL: 'info', HF_ENDPOINT: 'http://127.0.0.1:9', ...extra };
}

export function start(script: string, env: NodeJS.ProcessEnv, cwd: string, node = process.execPath, args: string[] = []): Running {
  const proc = spawn(node, [path.isAbsolute(script) ? script : path.join(root, script), ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return { proc, out: () => out, exited };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until get() gives a value; fails with why() after `ms` (generous: the machine is loaded). */
export async function waitFor<T>(get: () => T | undefined | false | Promise<T | undefined | false>, why: () => string, ms = 90_000): Promise<T> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await sleep(100)) {
    const v = await get();
    if (v !== undefined && v !== false) return v;
  }
  throw new Error(why());
}

export async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(url)).ok;
  } catch {
    return false;
  }
}

export async function waitServing(url: string, r: Running): Promise<void> {
  await waitFor(
    async () => {
      if (r.proc.exitCode !== null) throw new Error(`exited early (${r.proc.exitCode}):\n${r.out()}`);
      return answers(url);
    },
    () => `${url} never answered:\n${r.out()}`,
  );
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Direct children of pid, from /proc (the 4th field of /proc/<pid>/stat is the parent). */
export function childrenOf(pid: number): number[] {
  const kids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) kids.push(Number(d));
    } catch {}
  }
  return kids;
}

/** The pid in a cluster's postmaster.pid, if the file exists. */
export function postmasterPid(clusterDir: string): number | null {
  try {
    return Number(readFileSync(path.join(clusterDir, 'postmaster.pid'), 'utf8').split('\n')[0]) || null;
  } catch {
    return null;
  }
}

export function owner(dataDir: string): { pid: number; watcherPid?: number; apiPort?: number } | null {
  try {
    return JSON.parse(readFileSync(path.join(dataDir, 'owner.json'), 'utf8'));
  } catch {
    return null;
  }
}
