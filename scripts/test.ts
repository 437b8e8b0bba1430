// npm test: type-checks, starts one throwaway PostgreSQL for the whole run (each test file makes its
// own database in it), runs every test file with node's test runner, and removes the cluster.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../api/src/db/embedded.ts';

const root = path.resolve(import.meta.dirname, '..');
const only = process.argv.slice(2);

console.log('# type-check (tsc)');
const tsc = spawnSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.json')], { stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

// the whole suite also lints and checks formatting (npm run lint); a run of chosen files does not
if (only.length === 0) {
  console.log('# lint (biome check)');
  const lint = spawnSync(process.execPath, [path.join(root, 'node_modules/@biomejs/biome/bin/biome'), 'check', root], { stdio: 'inherit' });
  if (lint.status !== 0) {
    console.error('npm run lint found problems: `npx biome check --write .` fixes most of them');
    process.exit(lint.status ?? 1);
  }
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'd011dl-test-pg-'));
const cluster = await startEmbeddedPostgres(dir, { info: () => {}, warn: (m) => console.error(m) }, 'postgres', { program: 'npm test' });
const c = cluster.connection;
const env = {
  ...process.env,
  TEST_PGHOST: c.host,
  TEST_PGPORT: String(c.port),
  TEST_PGUSER: c.user,
  TEST_PGPASSWORD: c.password,
  // ports handed to the processes under test are claimed here, one owner each (api/test/helpers/net.ts)
  TEST_PORT_DIR: path.join(dir, 'ports'),
};

// Most tests wait on sockets and child processes, not the CPU: several files run at once. Tests that
// measure what a crash costs (fsync latency) run afterwards, alone, so the others' disk load is not
// what they measure.
const phases = only.length
  ? [{ name: 'selected', concurrency: 4, patterns: only, flushFirst: false }]
  : [
      {
        name: 'parallel',
        concurrency: 4,
        patterns: [
          'contract/test/*.test.ts',
          'hubsim/test/*.test.ts',
          'api/test/*.test.ts',
          'api/test/engine/*.test.ts',
          'api/test/process/*.test.ts',
          'web/test/*.test.ts',
        ],
        flushFirst: false,
      },
      // the first phase leaves gigabytes of dirty pages behind: flushed first, or the crash tests'
      // fsyncs queue behind that write-back (seen: checkpoints 7 s late) and measure it instead
      { name: 'serial', concurrency: 1, patterns: ['api/test/serial/*.test.ts'], flushFirst: true },
    ];
let child: ReturnType<typeof spawn> | null = null;
let interrupted = false;
const stop = () => {
  interrupted = true;
  child?.kill('SIGTERM');
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

// Each phase also writes TAP to a file, whose closing lines ("# pass 12") give the counts for the one
// summary at the end; every phase runs, so that summary is the whole picture.
const counts = ['tests', 'pass', 'fail', 'cancelled', 'skipped', 'todo'] as const;
type Counts = Record<(typeof counts)[number], number>;
const results: { name: string; code: number; counts: Counts | null }[] = [];
for (const phase of phases) {
  if (interrupted) break;
  if (phase.flushFirst) spawnSync('sync', { stdio: 'inherit' });
  const tap = path.join(dir, `${phase.name}.tap`);
  child = spawn(
    process.execPath,
    [
      '--test',
      `--test-concurrency=${phase.concurrency}`,
      '--test-timeout=300000',
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${tap}`,
      ...phase.patterns,
    ],
    { cwd: root, env, stdio: 'inherit' },
  );
  const c = child;
  const code = await new Promise<number>((resolve) => c.on('exit', (exit, signal) => resolve(exit ?? (signal ? 1 : 0))));
  let found: Counts | null = null;
  try {
    const text = readFileSync(tap, 'utf8');
    found = Object.fromEntries(counts.map((k) => [k, Number(new RegExp(`^# ${k} (\\d+)$`, 'm').exec(text)?.[1] ?? 0)])) as Counts;
  } catch {}
  results.push({ name: phase.name, code, counts: found });
}
await cluster.stop();
rmSync(dir, { recursive: true, force: true });

const line = (name: string, c: Counts | null, code: number) =>
  `  ${name.padEnd(9)} ${c ? counts.map((k) => `${k} ${c[k]}`).join(', ') : 'no results'}${code !== 0 ? `  (exit ${code})` : ''}`;
const total = Object.fromEntries(counts.map((k) => [k, results.reduce((n, r) => n + (r.counts?.[k] ?? 0), 0)])) as Counts;
const code = results.some((r) => r.code !== 0) || interrupted || results.length < phases.length ? 1 : 0;
console.log(
  [
    '',
    '# summary',
    ...results.map((r) => line(r.name, r.counts, r.code)),
    ...phases.slice(results.length).map((p) => `  ${p.name.padEnd(9)} not run (interrupted)`),
    line('total', total, code),
    code === 0 ? '# all passed' : '# FAILED',
  ].join('\n'),
);
process.exit(code);
