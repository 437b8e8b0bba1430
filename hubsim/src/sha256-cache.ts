// sha256 of generated LFS content. Small files are hashed inline; big ones in a worker thread with the
// result cached on disk (keyed by generator version, seed and size), so a 4 GiB file is hashed once per machine.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { CONTENT_VERSION, hashKeystream } from './content.ts';

const INLINE_LIMIT = 8 * 1024 * 1024;
const memo = new Map<string, Promise<string>>();
const known = new Map<string, string>();
// content-addressed store behind the CDN: every content whose hash was ever computed stays reachable
const bySha = new Map<string, { seed: string; size: number }>();

let running = 0;
const waiting: Array<() => void> = [];

function memoKey(seed: string, size: number): string {
  return `${CONTENT_VERSION}\0${seed}\0${size}`;
}

/** The sha256 if already known in this process (no work). */
export function knownSha256(seed: string, size: number): string | undefined {
  return known.get(memoKey(seed, size));
}

/** The generator parameters of content with this sha256, if it was hashed in this process. */
export function contentBySha256(sha256: string): { seed: string; size: number } | undefined {
  return bySha.get(sha256);
}

export function lfsSha256(seed: string, size: number, cacheDir: string): Promise<string> {
  const key = memoKey(seed, size);
  let p = memo.get(key);
  if (!p) {
    p = size <= INLINE_LIMIT ? Promise.resolve(hashKeystream(seed, size)) : hashBig(seed, size, key, cacheDir);
    p.then(
      (hex) => {
        known.set(key, hex);
        bySha.set(hex, { seed, size });
      },
      () => memo.delete(key),
    );
    memo.set(key, p);
  }
  return p;
}

async function hashBig(seed: string, size: number, key: string, cacheDir: string): Promise<string> {
  const file = join(cacheDir, `sha256-${createHash('sha1').update(key).digest('hex')}`);
  try {
    const hex = (await readFile(file, 'utf8')).trim();
    if (/^[0-9a-f]{64}$/.test(hex)) return hex;
  } catch {
    // not cached yet
  }
  const hex = await inWorker(seed, size);
  try {
    await mkdir(cacheDir, { recursive: true });
    // write-then-rename so concurrent processes never read a partial file
    const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(tmp, `${hex}\n`);
    await rename(tmp, file);
  } catch {
    // an unwritable cache only costs time
  }
  return hex;
}

async function inWorker(seed: string, size: number): Promise<string> {
  // one hash per core: more would only slow each other (and the servers) down
  while (running >= Math.max(1, availableParallelism())) {
    await new Promise<void>((resolve) => waiting.push(resolve));
  }
  running++;
  try {
    return await new Promise<string>((resolve, reject) => {
      const worker = new Worker(new URL('./hash-worker.ts', import.meta.url), { workerData: { seed, size } });
      // a pending hash must not keep a test process alive after its servers are closed
      worker.unref();
      worker.once('message', (hex: string) => resolve(hex));
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`hash worker exited with code ${code}`)));
    });
  } finally {
    running--;
    waiting.shift()?.();
  }
}
