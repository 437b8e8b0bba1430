// npm run user:add -- <username> [--admin]
// Creates an account from the shell, e.g. on a fresh install with registration closed. Uses the same
// database as the API: PG* when set, otherwise the embedded cluster under DATA_DIR (the running
// one if the API is up, else it starts it for the moment).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CredentialsSchema } from '@d011dl/contract';
import { loadDotEnv } from '@d011dl/contract/env';
import { createAuditService } from '../audit/audit.service.ts';
import { createAuthService } from '../auth/auth.service.ts';
import { ConfigError, loadConfig, type AppConfig } from '../config/config.ts';
import { runningClusterPort, startEmbeddedPostgres } from '../db/embedded.ts';
import { migrate } from '../db/migrate.ts';
import { createPool } from '../db/pool.ts';
import { HttpError } from '../http-errors.ts';
import { readPassword } from './read-password.ts';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { admin: { type: 'boolean', default: false } } });
const username = positionals[0];
if (!username) {
  console.error('usage: npm run user:add -- <username> [--admin]');
  process.exit(2);
}

let config: AppConfig;
try {
  config = loadConfig(loadDotEnv());
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : String(err));
  process.exit(78);
}

const password = await readPassword(`Password for ${username}: `);
const parsed = CredentialsSchema.safeParse({ username, password });
if (!parsed.success) {
  console.error(parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`).join('\n'));
  process.exit(2);
}

const log = { info: () => {}, warn: (m: string) => console.error(m) };
let stopCluster: (() => Promise<void>) | undefined;
let connection = config.pg;
if (!connection) {
  const port = await runningClusterPort(config.dataDir);
  if (port) {
    connection = { host: '127.0.0.1', port, user: 'postgres', password: readFileSync(`${config.dataDir}/pg-password`, 'utf8').trim(), database: 'd011dl' };
  } else {
    const cluster = await startEmbeddedPostgres(config.dataDir, log, 'd011dl', { program: 'npm run user:add' });
    connection = cluster.connection;
    stopCluster = cluster.stop;
    for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void cluster.stop().finally(() => process.exit(130)));
  }
}

const db = createPool(connection, 2);
let code = 0;
try {
  await migrate(db);
  const auth = createAuthService({ db, config, audit: createAuditService({ db }), signAccessToken: () => '' });
  const user = await auth.createUser(parsed.data.username, parsed.data.password, values.admin ?? false);
  console.log(`created user ${user.username}${user.is_admin ? ' (admin)' : ''}`);
} catch (err) {
  console.error(err instanceof HttpError ? err.message : `failed: ${(err as Error).message}`);
  code = 1;
} finally {
  await db.end();
  await stopCluster?.();
}
process.exit(code);
