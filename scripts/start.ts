// npm start: the API and the web portal side by side on this machine (in containers each runs alone:
// the API as `node api/src/server.ts`, the portal under `pm2-runtime web/ecosystem.config.js`).
// Settings come from the environment and .env, as each process reads them; the portal is pointed at
// this API unless API_BASE_URL says otherwise. Ctrl-C stops both; if one dies, the other is stopped.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';

const root = path.resolve(import.meta.dirname, '..');
const file = process.env.ENV_FILE ?? '.env';
const settings = existsSync(file) ? { ...parseEnv(readFileSync(file, 'utf8')), ...process.env } : process.env;
const apiPort = settings.PORT_API || '32002';
const env = { ...process.env, API_BASE_URL: settings.API_BASE_URL || `http://127.0.0.1:${apiPort}` };

const children: ChildProcess[] = [];
let stopping = false;
const stop = (code: number) => {
  if (stopping) return;
  stopping = true;
  process.exitCode = code;
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
};
for (const script of ['api/src/server.ts', 'web/src/server.ts']) {
  const child = spawn(process.execPath, [path.join(root, script)], { env, stdio: 'inherit' });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`${script} exited (${signal ?? code}); stopping the rest`);
      stop(code || 1);
    }
  });
  children.push(child);
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => stop(0));
