// Checks a tool's output against what the simulator says each file must contain: size, then the LFS
// sha256 or, for regular files, the git blob sha1. Runs after the timed part, never during it.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { ExpectedFile } from '../../hubsim/src/index.ts';

export interface Verdict {
  ok: boolean;
  /** the first few problems, e.g. "model.bin: size 123 ≠ 456" */
  problems: string[];
  /** files nobody asked for (leftover .partial/sidecar files, …): noted, not counted as wrong */
  extras: string[];
}

// hf --local-dir keeps its own metadata here by design
const TOOL_METADATA = '.cache/huggingface/';

async function extraFiles(dir: string, expected: ExpectedFile[]): Promise<string[]> {
  const want = new Set(expected.map((f) => f.path));
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => !e.isDirectory())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
    .filter((p) => !want.has(p) && !p.startsWith(TOOL_METADATA))
    .sort();
}

async function digest(file: string, size: number, lfs: boolean): Promise<string> {
  const h = createHash(lfs ? 'sha256' : 'sha1');
  if (!lfs) h.update(`blob ${size}\0`); // git blob id = sha1 of header + content
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

async function checkOne(dir: string, f: ExpectedFile): Promise<string | undefined> {
  const file = join(dir, ...f.path.split('/'));
  const st = await stat(file).catch(() => undefined);
  if (!st?.isFile()) return `${f.path}: missing`;
  if (st.size !== f.size) return `${f.path}: size ${st.size} ≠ ${f.size}`;
  const want = f.lfs ? f.sha256 : f.oid;
  const got = await digest(file, f.size, f.lfs);
  return got === want ? undefined : `${f.path}: ${f.lfs ? 'sha256' : 'git oid'} ${got.slice(0, 12)}… ≠ ${want?.slice(0, 12)}…`;
}

export async function verifyDir(dir: string, expected: ExpectedFile[]): Promise<Verdict> {
  const problems: string[] = [];
  let next = 0;
  // two at a time, so reading one file (thread pool) overlaps hashing another (this thread)
  const worker = async (): Promise<void> => {
    while (next < expected.length) {
      const f = expected[next++]!;
      const p = await checkOne(dir, f);
      if (p) problems.push(p);
    }
  };
  await Promise.all(Array.from({ length: Math.min(2, expected.length) }, worker));
  const firstFew = (xs: string[]) =>
    xs
      .sort()
      .slice(0, 5)
      .concat(xs.length > 5 ? [`… ${xs.length - 5} more`] : []);
  return { ok: problems.length === 0, problems: firstFew(problems), extras: firstFew(await extraFiles(dir, expected)) };
}

/**
 * fsyncs every file a tool wrote and returns how long that took, in ms. A tool that exits with its
 * bytes still in the page cache has not yet put them on disk (a power cut loses them); D011DL fsyncs each
 * file before its rename, so for it this is next to nothing. Run right after the tool, before verifying.
 */
export async function flushFiles(dir: string, files: ExpectedFile[]): Promise<number> {
  const t0 = performance.now();
  await Promise.all(
    files.map(async (f) => {
      const fh = await open(join(dir, ...f.path.split('/')), 'r').catch(() => undefined);
      if (!fh) return; // a missing file is reported by verifyDir
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
    }),
  );
  return performance.now() - t0;
}
