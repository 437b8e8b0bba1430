// `<dest>.partial.json`: what a `.partial` holds, so a later call (or a restarted process) resumes it.
// Its `done` only ever lists ranges whose bytes were fsynced before it was written (they survive a power
// loss). Beside it, `<dest>.partial.json.log` is a journal of every write as it completes, never fsynced:
// a crashed process's writes are still in the page cache, so after a kill -9 the journal says exactly
// what is on disk, and a resume loses next to nothing (see download-file.ts for the power-loss fallback).
import { open, readFile, rename, rm } from 'node:fs/promises';
import type { ByteRange } from './ranges.ts';

export interface Sidecar {
  v: 1;
  size: number;
  sha256?: string;
  gitOid?: string;
  /** X-Linked-Etag (or ETag) of the content the partial holds */
  identity?: string;
  /** the serving host's strong ETag, sent back as If-Range */
  validator?: string;
  done: ByteRange[];
}

export const partialPath = (dest: string) => `${dest}.partial`;
export const sidecarPath = (dest: string) => `${dest}.partial.json`;
export const journalPath = (dest: string) => `${sidecarPath(dest)}.log`;

// one journal record: [start, end) as two float64 (exact for every file size below 2^53)
export const JOURNAL_RECORD = 16;

export function encodeJournal(ranges: readonly ByteRange[]): Buffer {
  const buf = Buffer.allocUnsafe(ranges.length * JOURNAL_RECORD);
  ranges.forEach(([s, e], i) => {
    buf.writeDoubleLE(s, i * JOURNAL_RECORD);
    buf.writeDoubleLE(e, i * JOURNAL_RECORD + 8);
  });
  return buf;
}

/**
 * The ranges the journal lists within [0, size). A torn or zero-filled tail (power loss) yields records
 * that are dropped here or, if they look valid, fail the final hash check, which then falls back to the
 * fsynced ranges.
 */
export async function readJournal(dest: string, size: number): Promise<ByteRange[]> {
  let buf: Buffer;
  try {
    buf = await readFile(journalPath(dest));
  } catch {
    return [];
  }
  const out: ByteRange[] = [];
  for (let i = 0; i + JOURNAL_RECORD <= buf.length; i += JOURNAL_RECORD) {
    const s = buf.readDoubleLE(i);
    const e = buf.readDoubleLE(i + 8);
    if (Number.isSafeInteger(s) && Number.isSafeInteger(e) && s >= 0 && s < e && e <= size) out.push([s, e]);
  }
  return out;
}

/** The sidecar, or undefined when it is missing or unreadable (the partial is then not trusted). */
export async function readSidecar(dest: string): Promise<Sidecar | undefined> {
  let text: string;
  try {
    text = await readFile(sidecarPath(dest), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const j = JSON.parse(text) as Partial<Sidecar>;
    if (j.v !== 1 || !Number.isSafeInteger(j.size) || !Array.isArray(j.done)) return undefined;
    const size = j.size as number;
    const done = j.done.filter(
      (r): r is ByteRange =>
        Array.isArray(r) && r.length === 2 && Number.isSafeInteger(r[0]) && Number.isSafeInteger(r[1]) && r[0] >= 0 && r[0] < r[1] && r[1] <= size,
    );
    const out: Sidecar = { v: 1, size, done };
    if (typeof j.sha256 === 'string') out.sha256 = j.sha256;
    if (typeof j.gitOid === 'string') out.gitOid = j.gitOid;
    if (typeof j.identity === 'string') out.identity = j.identity;
    if (typeof j.validator === 'string') out.validator = j.validator;
    return out;
  } catch {
    return undefined;
  }
}

/**
 * Written to a temp file and renamed over the old one: a crash leaves the old or the new, never half.
 * `durable` fsyncs it first, so it also survives a power loss.
 */
export async function writeSidecar(dest: string, data: Sidecar, durable = true): Promise<void> {
  const file = sidecarPath(dest);
  const tmp = `${file}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    try {
      await fh.writeFile(JSON.stringify(data));
      if (durable) await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (err) {
    // e.g. a full disk: the old sidecar stays valid; a half-written temp beside it is just litter
    await rm(tmp, { force: true });
    throw err;
  }
}

export async function removePartial(dest: string): Promise<void> {
  await Promise.all([
    rm(partialPath(dest), { force: true }),
    rm(sidecarPath(dest), { force: true }),
    rm(`${sidecarPath(dest)}.tmp`, { force: true }),
    rm(journalPath(dest), { force: true }),
  ]);
}
