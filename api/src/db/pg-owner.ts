// Who uses the embedded cluster of a DATA_DIR. The D011DL process that starts it records itself in
// DATA_DIR/owner.json (pid, when that pid started, the API's port, the keeper's pid). A later start
// refuses while that owner lives, and clears up after it when it is dead: a postmaster still running
// on the cluster is an orphan (its owner was killed) and is shut down before a fresh start.
import { readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface Owner {
  pid: number;
  // the pid's start time (field 22 of /proc/<pid>/stat): a pid reused after a reboot is not the owner
  started: string | null;
  program: string;
  apiPort?: number | undefined;
  watcherPid?: number | undefined;
  watcherStarted?: string | null;
}

export function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) is in parentheses and may hold spaces
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The same process as recorded, still running. */
export function isAlive(pid: number | undefined, started: string | null | undefined): boolean {
  if (!pid || !pidAlive(pid)) return false;
  const now = processStart(pid);
  return !started || !now || now === started;
}

const ownerFile = (dataDir: string) => path.join(dataDir, 'owner.json');

export async function readOwner(dataDir: string): Promise<Owner | null> {
  try {
    return JSON.parse(await readFile(ownerFile(dataDir), 'utf8')) as Owner;
  } catch {
    return null;
  }
}

export async function writeOwner(dataDir: string, owner: Owner): Promise<void> {
  await writeFile(ownerFile(dataDir), `${JSON.stringify(owner)}\n`);
}

export async function clearOwner(dataDir: string): Promise<void> {
  const owner = await readOwner(dataDir);
  if (owner?.pid === process.pid) await rm(ownerFile(dataDir), { force: true });
}

export function describeOwner(o: Owner): string {
  return `pid ${o.pid}, ${o.apiPort ? `API on port ${o.apiPort}` : o.program}`;
}

/** The live postmaster on this cluster folder, if any (a stale postmaster.pid names a dead or foreign pid). */
export function runningPostmaster(clusterDir: string): { pid: number; port: number } | null {
  let lines: string[];
  try {
    lines = readFileSync(path.join(clusterDir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return null;
  }
  const pid = Number(lines[0]);
  if (!pid || !pidAlive(pid)) return null;
  // A postmaster works in its data folder. After a reboot the recorded pid may belong to anything else;
  // only when we cannot look (another user's process) do we take it for a postmaster.
  try {
    if (readlinkSync(`/proc/${pid}/cwd`) !== realpathSync(clusterDir)) return null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
  }
  return { pid, port: Number(lines[3]) || 0 };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitGone(pid: number, started: string | null | undefined, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) if (!isAlive(pid, started)) return true;
  return !isAlive(pid, started);
}

/**
 * Shuts down what a dead owner left running on the cluster: its keeper is given time to stop the
 * postmaster itself, then the postmaster gets what `pg_ctl stop -m fast` sends, then `-m immediate`.
 */
export async function stopOrphan(clusterDir: string, dead: Owner | null, log: { warn(m: string): void }): Promise<void> {
  if (dead?.watcherPid && isAlive(dead.watcherPid, dead.watcherStarted)) await waitGone(dead.watcherPid, dead.watcherStarted, 60_000);
  const pm = runningPostmaster(clusterDir);
  if (!pm) return;
  const started = processStart(pm.pid);
  log.warn(
    `a PostgreSQL (pid ${pm.pid}) was still running on ${clusterDir}, left by ` +
      (dead ? `a D011DL process that is gone (${describeOwner(dead)})` : 'a D011DL process that did not record itself') +
      '; stopping it before starting afresh',
  );
  for (const [signal, ms] of [
    ['SIGINT', 30_000],
    ['SIGQUIT', 15_000],
    ['SIGKILL', 15_000],
  ] as const) {
    try {
      process.kill(pm.pid, signal);
    } catch {}
    if (await waitGone(pm.pid, started, ms)) return;
  }
  throw new Error(`The PostgreSQL left running on ${clusterDir} (pid ${pm.pid}) does not stop; stop it by hand and start again.`);
}
