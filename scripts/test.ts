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
const cluster = await startEmbeddedPostgres(dir, { info: () => {}, warn: (m) => console.error(m) }, 'postgres', { program: 'npm test' });
const c = cluster.connection;
const env = {
  ...process.env,
  TEST_PGHOST: c.host,
  TEST_PGPORT: String(c.port),
  TEST_PGUSER: c.user,
  TEST_PGPASSWORD: c.password,
};

// Most tests wait on sockets and child processes, not the CPU: several files run at once. Tests that
// measure what a crash costs (fsync latency) run afterwards, alone, so the others' disk load is not
// what they measure.
const phases = only.length
  ? [{ concurrency: 4, patterns: only, flushFirst: false }]
  : [
      { concurrency: 4, patterns: ['hubsim/test/*.test.ts', 'api/test/*.test.ts', 'api/test/engine/*.test.ts', 'web/test/*.test.ts'], flushFirst: false },
      // the first phase leaves gigabytes of dirty pages behind: flushed first, or the crash tests'
      // fsyncs queue behind that write-back (seen: checkpoints 7 s late) and measure it instead
      { concurrency: 1, patterns: ['api/test/serial/*.test.ts'], flushFirst: true },
    ];
let child: ReturnType<typeof spawn> | null = null;
const stop = () => child?.kill('SIGTERM');
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
let code = 0;
for (const phase of phases) {
  if (phase.flushFirst) spawnSync('sync', { stdio: 'inherit' });
  child = spawn(process.execPath, ['--test', `--test-concurrency=${phase.concurrency}`, '--test-timeout=300000', ...phase.patterns], { cwd: root, env, stdio: 'inherit' });
  const c = child;
  code = await new Promise<number>((resolve) => c.on('exit', (exit, signal) => resolve(exit ?? (signal ? 1 : 0))));
  if (code !== 0) break;
}
await cluster.stop();
rmSync(dir, { recursive: true, force: true });
process.exit(code);
