import { spawn } from 'node:child_process';
import { readdir, rm, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { BandwidthLimiter } from '../engine/bandwidth-limiter.ts';
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
  /** the bandwidth limit shared with the built-in engine's downloads */
  limiter?: BandwidthLimiter | undefined;
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
  // what is on disk before hf starts is not charged to the bandwidth limit; all it adds is
  let lastBytes = run.limiter ? await bytesUnder(run.dir) : 0;
  const child = spawn(run.cli, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  // hf's sockets are not ours to pause: under a bandwidth limit the whole process is stopped (SIGSTOP)
  // while it has used more than its share, so it reads nothing and TCP slows the sender, and continued
  // (SIGCONT) when it is its turn again. Coarse (bytes are measured on disk every 0.5 s), right on average.
  let frozen = false;
  const thaw = () => {
    if (frozen) child.kill('SIGCONT');
    frozen = false;
  };
  const ticket = run.limiter?.newTicket(thaw);
  const onBytes = (bytes: number) => {
    run.onDiskBytes(bytes);
    const delta = bytes - lastBytes;
    lastBytes = bytes;
    if (delta > 0 && ticket && run.limiter!.limited && !run.limiter!.charge(ticket, delta) && child.exitCode === null && !run.signal.aborted) {
      frozen = child.kill('SIGSTOP');
    }
  };
  const stop = () => {
    child.kill('SIGTERM');
    // a stopped process acts on SIGTERM only once it runs again
    thaw();
  };
  run.signal.addEventListener('abort', stop, { once: true });
  const poll = setInterval(() => void bytesUnder(run.dir).then(onBytes), 500);
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
    if (ticket) run.limiter!.release(ticket);
    thaw();
    run.signal.removeEventListener('abort', stop);
    // hf's bookkeeping inside the model folder; D011DL tracks the files itself
    if (!run.signal.aborted) await rm(path.join(run.dir, '.cache', 'huggingface'), { recursive: true, force: true });
    await rmdir(path.join(run.dir, '.cache')).catch(() => {});
  }
}
