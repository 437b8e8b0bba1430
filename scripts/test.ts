// npm test: type-checks, starts one throwaway PostgreSQL for the whole run (each test file makes its
// own database in it), runs every test file with node's test runner, and removes the cluster.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../api/src/db/embedded.ts';

const root = path.resolve(import.meta.dirname, '..');
const only = process.argv.slice(2);

console.log('# type-check (tsc)');
const tsc = spawnSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.json')], { stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

const dir = mkdtempSync(path.join(os.tmpdir(), 'd011dl-test-pg-'));
const cluster = await startEmbeddedPostgres(dir, { info: () => {}, warn: (m) => console.error(m) }, 'postgres');
const c = cluster.connection;
const env = {
  ...process.env,
  TEST_PGHOST: c.host,
  TEST_PGPORT: String(c.port),
  TEST_PGUSER: c.user,
  TEST_PGPASSWORD: c.password,
};

const patterns = only.length ? only : ['contract/test/**/*.test.ts', 'hubsim/test/**/*.test.ts', 'api/test/**/*.test.ts'];
// Most tests wait on sockets and child processes, not the CPU: run several files at once.
const child = spawn(process.execPath, ['--test', '--test-concurrency=4', '--test-timeout=300000', ...patterns], { cwd: root, env, stdio: 'inherit' });
const stop = () => child.kill('SIGTERM');
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
const code: number = await new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
await cluster.stop();
rmSync(dir, { recursive: true, force: true });
process.exit(code);
