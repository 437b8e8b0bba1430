// npm start: the API and the web portal side by side on this machine (in containers each runs alone:
// the API as `node api/src/server.ts`, the portal under `pm2-runtime web/ecosystem.config.js`).
// Settings come from the environment and .env, as each process reads them; the portal is pointed at
// this API unless API_BASE_URL says otherwise, and the API trusts the portal (loopback, carrying a
// PORTAL_SECRET made for this run unless one is set) to pass on each browser's address; other local
// processes cannot. Ctrl-C stops both; if one dies, the other is stopped; if this script dies, even
// by SIGKILL, both notice their IPC channel closing and stop by themselves (no orphans).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { loadDotEnv } from '@d011dl/contract/env';
import { banner, type Ready } from './banner.ts';

const root = path.resolve(import.meta.dirname, '..');
const settings = loadDotEnv();
const apiPort = settings.PORT_API || '32002';
// Without it any local process could claim to be the portal and pick the address sign-in limits count.
const portalSecret = settings.PORTAL_SECRET || randomBytes(32).toString('hex');
const env = { ...process.env, D011DL_LAUNCHER: '1', PORTAL_SECRET: portalSecret, API_BASE_URL: settings.API_BASE_URL || `http://127.0.0.1:${apiPort}` };
const trust = (settings.TRUST_PROXY ?? '').trim();
const apiEnv = { ...env, TRUST_PROXY: trust === 'true' ? trust : ['loopback', ...(trust === 'false' ? [] : [trust])].filter(Boolean).join(',') };

const children: ChildProcess[] = [];
const ready = new Map<string, Ready>();
let stopping = false;
const stop = (code: number) => {
  if (stopping) return;
  stopping = true;
  process.exitCode = code;
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
};
for (const [script, childEnv] of [
  ['api/src/server.ts', apiEnv],
  ['web/src/server.ts', env],
] as const) {
  // Each in a process group of its own: a terminal's Ctrl-C then reaches only this script, which stops the
  // API first and lets the API stop its embedded PostgreSQL last. Sent to the whole group, it took the
  // database down under the API's feet. The IPC channel carries "ready" here, and its closing tells the
  // child that this script is gone.
  // the API's semi-space flag: see api/Dockerfile.api
  const flags = script.startsWith('api/') ? ['--max-semi-space-size=8'] : [];
  const child = spawn(process.execPath, [...flags, path.join(root, script)], { env: childEnv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], detached: true });
  child.on('message', (msg: Ready) => {
    if (msg?.event !== 'ready') return;
    ready.set(msg.service, msg);
    if (ready.size === 2 && !stopping) console.log(banner(ready.get('api')!, ready.get('web')!, settings));
  });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`${script} exited (${signal ?? code}); stopping the rest`);
      stop(code || 1);
    }
  });
  children.push(child);
}
// SIGHUP too: a closed terminal must not leave the detached children running
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => stop(0));
// Under `npm start`, npm is the process a person (or a script) holds and kills. npm passes TERM and INT
// on to us (package.json execs this script in npm's shell), but after a kill -9 of npm only our parent
// changing tells: then we stop as if told to. Run directly, our parent is a shell or a supervisor, and
// outliving it may be what is wanted (nohup, disown).
if (process.env.npm_lifecycle_event === 'start') {
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(watch);
      console.error('npm start is gone; stopping');
      stop(1);
    }
  }, 500).unref();
}
