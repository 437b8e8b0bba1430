// The API as users run it, listening on a port of its own, for the mirror benchmark (bench/mirror.ts):
// a process of its own so that its RSS and CPU are its alone (the embedded PostgreSQL is another one).
//   node bench/mirror-api.ts JOB.json → a stdout line `LISTENING {"url", "storageRoot"}`; SIGTERM closes it.
//   JOB.json: { hubUrl, dataDir }
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { buildApp } from '../api/src/app.ts';
import { loadConfig } from '../api/src/config/config.ts';
import { closeEngine } from '../api/src/engine/index.ts';

const arg = process.argv[2];
if (!arg) throw new Error('usage: node bench/mirror-api.ts JOB.json');
const job = JSON.parse(await readFile(arg, 'utf8')) as { hubUrl: string; dataDir: string };
const storageRoot = path.join(job.dataDir, 'models');
const config = loadConfig({
  NODE_ENV: 'development',
  LOG_LEVEL: 'warn',
  DATA_DIR: job.dataDir,
  STORAGE_ROOT: storageRoot,
  HF_ENDPOINT: job.hubUrl,
  BCRYPT_ROUNDS: '10',
  ALLOW_REG: 'true',
  DISK_RESERVE_MB: '0',
});
const app = await buildApp(config);
const url = await app.listen({ host: '127.0.0.1', port: 0 });
// marked: the API's own log lines go to stdout too
console.log(`LISTENING ${JSON.stringify({ url, storageRoot })}`);
process.once('SIGTERM', () => {
  void (async () => {
    await app.close();
    await closeEngine();
    process.exit(0);
  })();
});
