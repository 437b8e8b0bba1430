import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import type { PgConnection } from '../config/config.ts';
import { clearOwner, describeOwner, isAlive, processStart, readOwner, runningPostmaster, stopOrphan, writeOwner } from './pg-owner.ts';
import { placeCluster, type PgPlace } from './pg-place.ts';

export interface EmbeddedCluster {
  connection: PgConnection;
  stop(): Promise<void>;
}

interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
}

export interface OwnerInfo {
  program: string; // what the owner is, for a person: "the API", "npm run user:add"
  apiPort?: number;
}

async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

// The superuser password is generated once per data directory and kept beside the cluster (0600),
// so restarts reuse it and nothing secret lives in the repo or the environment.
async function clusterPassword(dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'pg-password');
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const pw = randomBytes(24).toString('hex');
  await writeFile(file, `${pw}\n`, { mode: 0o600 });
  return pw;
}

/**
 * The port of the PostgreSQL a live D011DL process serves from this DATA_DIR (e.g. the API is
 * running while `npm run user:add` is used), or null. An orphan left by a dead process does not count.
 */
export async function runningClusterPort(dataDir: string): Promise<number | null> {
  const owner = await readOwner(dataDir);
  if (!owner || !isAlive(owner.pid, owner.started)) return null;
  return runningPostmaster(path.join(dataDir, 'pg'))?.port || null;
}

function run(cmd: string, args: string[], place: PgPlace): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { ...place.ids, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C', LC_MESSAGES: 'C' } });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('error', (err) => reject(new Error(`cannot run ${cmd}: ${err.message}`)));
    p.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`${path.basename(cmd)} failed (${signal ?? `exit ${code}`}): ${out.trim()}`))));
  });
}

async function initialise(place: PgPlace, password: string): Promise<void> {
  // the password file must be readable by the user initdb runs as, and by nobody else
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'd011dl-initdb-'));
  const pwfile = path.join(tmp, 'pw');
  try {
    await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
    if (place.ids) {
      await chown(tmp, place.ids.uid, place.ids.gid);
      await chown(pwfile, place.ids.uid, place.ids.gid);
    }
    await run(
      path.join(place.bin, 'initdb'),
      [`--pgdata=${place.clusterDir}`, '--auth=scram-sha-256', '--username=postgres', `--pwfile=${pwfile}`, '--encoding=UTF8', '--locale=C'],
      place,
    );
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

interface Keeper {
  pid: number;
  stop(): Promise<void>;
}

// Starts the postmaster under its keeper (pg-watcher.ts), in a process group of its own so that a
// terminal's Ctrl-C reaches only us: we stop the database last, after the work that needs it.
async function startKeeper(place: PgPlace, port: number, log: Logger): Promise<Keeper> {
  const watcher = spawn(
    process.execPath,
    [
      path.join(import.meta.dirname, 'pg-watcher.ts'),
      JSON.stringify({ postgres: path.join(place.bin, 'postgres'), dataDir: place.clusterDir, port, ...place.ids }),
    ],
    { stdio: ['pipe', 'pipe', 'inherit'], detached: true },
  );
  const exited = new Promise<void>((resolve) => watcher.on('exit', () => resolve()));
  let stopping = false;
  const stop = async () => {
    stopping = true;
    watcher.ref(); // unref'd while running: waiting for it must keep this process alive
    watcher.stdin!.end();
    await exited;
  };
  watcher.stdin!.on('error', () => {});
  const lines = createInterface({ input: watcher.stdout! });
  let ready = false;
  await new Promise<void>((resolve, reject) => {
    lines.on('line', (line) => {
      let msg: { event?: string; code?: number; signal?: string; log?: string };
      try {
        msg = JSON.parse(line);
      } catch {
        return;
      }
      if (msg.event === 'ready') {
        ready = true;
        resolve();
      } else if (msg.event === 'exited') {
        const why = `PostgreSQL stopped (${msg.signal ?? `exit ${msg.code}`}): ${msg.log || 'no message'}`;
        // after start, nobody awaits this any more: the log is where a person finds out why queries fail
        if (ready && !stopping) log.warn(why);
        reject(new Error(why));
      }
    });
    watcher.on('exit', (code) => reject(new Error(`PostgreSQL's keeper exited (${code}) before PostgreSQL was ready`)));
  }).catch(async (err) => {
    await stop();
    throw err;
  });
  watcher.unref();
  return { pid: watcher.pid!, stop };
}

/**
 * Starts the cluster of DATA_DIR (creating it the first time), after making sure no live D011DL uses it
 * and clearing up what a dead one left running. Every failure is an Error with PostgreSQL's own words.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  log: Logger,
  database = 'd011dl',
  who: OwnerInfo = { program: 'D011DL' },
): Promise<EmbeddedCluster> {
  await mkdir(dataDir, { recursive: true });
  const previous = await readOwner(dataDir);
  if (previous && previous.pid !== process.pid && isAlive(previous.pid, previous.started)) {
    throw new Error(`DATA_DIR ${dataDir} is in use by D011DL (${describeOwner(previous)}). Stop that one first, or give this one another DATA_DIR.`);
  }
  const owner = { pid: process.pid, started: processStart(process.pid), program: who.program, apiPort: who.apiPort };
  await writeOwner(dataDir, owner);
  try {
    const password = await clusterPassword(dataDir);
    const place = await placeCluster(dataDir, log);
    await stopOrphan(place.clusterDir, previous, log);
    if (!existsSync(path.join(place.clusterDir, 'PG_VERSION'))) {
      log.info(`initialising embedded PostgreSQL in ${place.clusterDir}`);
      await initialise(place, password);
    }
    const port = await freeLoopbackPort();
    const keeper = await startKeeper(place, port, log);
    await writeOwner(dataDir, { ...owner, watcherPid: keeper.pid, watcherStarted: processStart(keeper.pid) });
    const stop = async () => {
      await keeper.stop();
      await clearOwner(dataDir);
    };
    try {
      const admin = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres' });
      await admin.connect();
      try {
        const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
        if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${database.replaceAll('"', '""')}"`);
      } finally {
        await admin.end();
      }
    } catch (err) {
      await stop();
      throw err;
    }
    log.info(`embedded PostgreSQL listening on 127.0.0.1:${port}`);
    return { connection: { host: '127.0.0.1', port, user: 'postgres', password, database }, stop };
  } catch (err) {
    await clearOwner(dataDir);
    throw err instanceof Error ? err : new Error(`PostgreSQL did not start: ${String(err)}`);
  }
}
