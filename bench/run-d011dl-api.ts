// Runs the real product for the benchmark: the API (Fastify app + job queue + the engine, exactly what
// users run) with its embedded PostgreSQL, one download posted through POST /downloads and timed from
// the 202 to `succeeded`. In a process of its own, so its peak RSS and CPU are its alone (PostgreSQL is
// another process and not counted). The database lives in a folder reused across shapes (started once
// per shape, initialised once).
//   node bench/run-d011dl-api.ts JOB.json → last stdout line: {"ms", "maxRssKiB", "cpuMs", "error"?}
//   JOB.json: { hubUrl, repo, commit, outDir, dataDir } — the files end up in outDir at their repo paths.
import { readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { buildApp } from '../api/src/app.ts';
import { loadConfig } from '../api/src/config/config.ts';
import { closeEngine } from '../api/src/engine/index.ts';

const arg = process.argv[2];
if (!arg) throw new Error('usage: node bench/run-d011dl-api.ts JOB.json | --check');
if (arg !== '--check') {
  const job = JSON.parse(await readFile(arg, 'utf8')) as { hubUrl: string; repo: string; commit: string; outDir: string; dataDir: string };
  const storage = path.join(job.dataDir, 'models');
  const config = loadConfig({
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    DATA_DIR: job.dataDir,
    STORAGE_ROOT: storage,
    HF_ENDPOINT: job.hubUrl,
    BCRYPT_ROUNDS: '10',
    ALLOW_REG: 'true',
    DISK_RESERVE_MB: '0',
  });
  const app = await buildApp(config);
  await app.ready();
  const [author, repo] = job.repo.split('/') as [string, string];
  let error: string | undefined;
  let ms = 0;
  let cpuMs = 0;
  try {
    const creds = { username: 'bench', password: 'bench-password-1' };
    await app.inject({ method: 'POST', url: '/auth/register', payload: creds });
    const token = (await app.inject({ method: 'POST', url: '/auth/login', payload: creds })).json().token as string;
    const headers = { authorization: `Bearer ${token}` };
    // the revision folder is the commit: a fresh folder per run, so nothing is "already downloaded"
    await rm(path.join(storage, author, repo, job.commit), { recursive: true, force: true });
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const res = await app.inject({ method: 'POST', url: '/downloads', headers, payload: { author, repo, revision: job.commit, force: true } });
    if (res.statusCode !== 202) throw new Error(`POST /downloads: ${res.statusCode} ${res.body}`);
    const id = res.json().download_id as string;
    for (;;) {
      const d = (await app.inject({ url: `/downloads/${id}`, headers })).json();
      if (d.status === 'succeeded') break;
      if (d.status === 'failed' || d.status === 'canceled') throw new Error(`job ${d.status}: ${d.error}`);
      // each GET costs a few ms of CPU (signature, account lookup, the answer): every 20 ms that was
      // about 15% of a core taken from the engine. So ask every 100 ms until the bytes so far predict
      // the end is near, then every 20 ms (bytes_done may lag by up to a second: hence the margin).
      const elapsed = performance.now() - t0;
      const done = Number(d.bytes_done) || 0;
      const left = done > 0 ? ((Number(d.bytes_total) - done) / done) * elapsed : Infinity;
      await new Promise((r) => setTimeout(r, left > 2000 ? 100 : 20));
    }
    ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    cpuMs = (cpu.user + cpu.system) / 1000;
    // where download.ts verifies: the revision folder's contents at outDir
    const dir = path.join(storage, author, repo, job.commit);
    for (const name of await readdir(dir)) await rename(path.join(dir, name), path.join(job.outDir, name));
  } catch (err) {
    error = (err as Error).message;
  } finally {
    await app.close();
    await closeEngine();
  }
  const ru = process.resourceUsage();
  console.log(JSON.stringify({ ms, maxRssKiB: ru.maxRSS, cpuMs, ...(error ? { error } : {}) }));
  process.exitCode = error ? 1 : 0;
}
