import { spawn } from 'node:child_process';
import { readdir, rm, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { hfCliEnv } from './hf-cli-env.ts';

export interface HfCliRun {
  repoId: string;
  commit: string;
  paths: string[];
  dir: string; // the revision folder: hf's --local-dir
  endpoint: string;
  token: string | undefined;
  hfHome: string; // hf's own cache and settings, kept out of the user's home
  cli: string;
  /** let hf use Xet (files the bridge refuses); otherwise plain HTTP, as the Node engine speaks it */
  xet?: boolean;
  signal: AbortSignal;
  onDiskBytes(bytes: number): void;
}

// fnmatch treats [ ] * ? as pattern characters; a literal file name must escape them.
const literalPattern = (p: string) => p.replace(/[[\]*?]/g, (c) => `[${c}]`);

export async function bytesUnder(dir: string): Promise<number> {
  let total = 0;
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    if (!e.isFile()) continue;
    total += (await stat(path.join(e.parentPath, e.name)).catch(() => null))?.size ?? 0;
  }
  return total;
}

/**
 * DOWNLOAD_ENGINE=hf: the official `hf download` fetches the files; progress is what has landed on
 * disk (finished files plus hf's .incomplete files). Its environment: ./hf-cli-env.ts.
 */
export async function runHfCli(run: HfCliRun): Promise<void> {
  const args = ['download', run.repoId, '--revision', run.commit, '--local-dir', run.dir, '--max-workers', '8', '--format', 'quiet'];
  for (const p of run.paths) args.push('--include', literalPattern(p));
  const env = hfCliEnv({ endpoint: run.endpoint, hfHome: run.hfHome, token: run.token, xet: run.xet });
  const child = spawn(run.cli, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const stop = () => child.kill('SIGTERM');
  run.signal.addEventListener('abort', stop, { once: true });
  const poll = setInterval(() => void bytesUnder(run.dir).then(run.onDiskBytes), 500);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', (err) =>
        reject(new Error(`cannot run "${run.cli}" (DOWNLOAD_ENGINE=hf needs huggingface_hub: pip install huggingface_hub): ${err.message}`)),
      );
      child.on('exit', (c) => resolve(c));
    });
    if (run.signal.aborted) return;
    if (code !== 0) {
      const last = stderr.trim().split('\n').filter(Boolean).slice(-3).join(' | ');
      throw new Error(`hf download exited with ${code}: ${last || 'no message'}`);
    }
  } finally {
    clearInterval(poll);
    run.signal.removeEventListener('abort', stop);
    // hf's bookkeeping inside the model folder; D011DL tracks the files itself
    if (!run.signal.aborted) await rm(path.join(run.dir, '.cache', 'huggingface'), { recursive: true, force: true });
    await rmdir(path.join(run.dir, '.cache')).catch(() => {});
  }
}
