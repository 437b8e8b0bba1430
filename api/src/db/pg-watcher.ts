// The embedded PostgreSQL's keeper, a process of its own (started by embedded.ts). It runs the postmaster
// and holds the read end of a pipe from the process that started it; when that pipe closes, because the
// starter stopped or because it died (kill -9, out of memory), it shuts PostgreSQL down: fast first, then
// immediate. A postmaster never outlives the D011DL process that uses it.
//
// Talks to its starter in JSON lines on stdout: {"event":"ready"}, then {"event":"exited", code, signal,
// log} when the postmaster ends (log: the end of PostgreSQL's own output, for the error message).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

interface Options {
  postgres: string;
  dataDir: string;
  port: number;
  uid?: number;
  gid?: number;
}

const opts = JSON.parse(process.argv[2] ?? '{}') as Options;
const send = (msg: object) => process.stdout.write(`${JSON.stringify(msg)}\n`);
// the starter may be gone: nothing to tell then, and no reason to crash before PostgreSQL is down
process.stdout.on('error', () => {});

const pg = spawn(opts.postgres, ['-D', opts.dataDir, '-p', String(opts.port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='], {
  stdio: ['ignore', 'ignore', 'pipe'],
  // English messages, whatever the machine's locale: they reach the user's log as they are
  env: { ...process.env, LC_ALL: 'C', LC_MESSAGES: 'C' },
  ...(opts.uid !== undefined ? { uid: opts.uid, gid: opts.gid } : {}),
});
let tail = '';
pg.stderr!.on('data', (d: Buffer) => (tail = (tail + d.toString()).slice(-4000)));
pg.on('error', (err) => {
  send({ event: 'exited', code: null, signal: null, log: `cannot run ${opts.postgres}: ${err.message}` });
  process.exit(1);
});
pg.on('exit', (code, signal) => {
  clearInterval(poll);
  send({ event: 'exited', code, signal, log: tail.trim() });
  process.exit(0);
});

// postmaster.pid's 8th line turns "ready" once connections are accepted (what `pg_ctl start -w` waits
// for); its first line must be our postmaster, not one that held the lock before.
const poll = setInterval(() => {
  try {
    const lines = readFileSync(path.join(opts.dataDir, 'postmaster.pid'), 'utf8').split('\n');
    if (Number(lines[0]) === pg.pid && lines[7]?.trim() === 'ready') {
      clearInterval(poll);
      send({ event: 'ready', pid: pg.pid });
    }
  } catch {}
}, 100);

let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  // SIGINT = "fast" shutdown (what `pg_ctl stop -m fast` sends), SIGQUIT = "immediate" if that hangs
  pg.kill('SIGINT');
  setTimeout(() => pg.kill('SIGQUIT'), 30_000).unref();
  setTimeout(() => pg.kill('SIGKILL'), 45_000).unref();
}
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.on('error', stop);
process.stdin.resume();
// a terminal's Ctrl-C or a service manager's TERM aimed at us is a request to stop, never a reason to
// leave the postmaster behind
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, stop);
