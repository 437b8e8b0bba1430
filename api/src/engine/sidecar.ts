// The partial file beside its destination and its sidecar (what the partial holds, so a later call or
// a restarted process resumes it). The sidecar's `done` only ever lists ranges whose bytes were fsynced
// first (they survive a power loss). Beside them, a journal of every write as it completes, never
// fsynced: a crashed process's writes are still in the page cache, so after a kill -9 the journal says
// what is on disk and a resume loses next to nothing (download-file.ts: the power-loss fallback).
// All have short names derived from a hash of the file name, so a legal 255-byte name still fits
// NAME_MAX once a suffix is added; every open refuses symbolic links (storage/safe-fs.ts).
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { clearNonRegular, lstatOrNull, openNoFollow } from '../storage/safe-fs.ts';
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

/** Marks D011DL's partial files (rescans, cleanups and people can tell them from model files). */
export const PARTIAL_SUFFIX = '.d011dl-partial';
export const partialPath = (dest: string) =>
  path.join(path.dirname(dest), `.${createHash('sha1').update(path.basename(dest)).digest('hex').slice(0, 16)}${PARTIAL_SUFFIX}`);
export const sidecarPath = (dest: string) => `${partialPath(dest)}.json`;
export const journalPath = (dest: string) => `${partialPath(dest)}.log`;
// the names used before: `<name>.partial` + `<name>.partial.json` (too long for names near NAME_MAX)
const legacyPartialPath = (dest: string) => `${dest}.partial`;
const legacySidecarPath = (dest: string) => `${dest}.partial.json`;

/** Gives a partial left under the old names by an earlier version the new names, so it resumes. */
export async function adoptLegacyPartial(dest: string): Promise<void> {
  if (await lstatOrNull(partialPath(dest))) return;
  if (!(await clearNonRegular(legacyPartialPath(dest)).catch(() => false))) return;
  await rename(legacyPartialPath(dest), partialPath(dest));
  if (await clearNonRegular(legacySidecarPath(dest)).catch(() => false)) await rename(legacySidecarPath(dest), sidecarPath(dest));
}

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
    if (!(await lstatOrNull(journalPath(dest)))?.isFile()) return [];
    const fh = await openNoFollow(journalPath(dest), constants.O_RDONLY);
    try {
      buf = await fh.readFile();
    } finally {
      await fh.close();
    }
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
    await adoptLegacyPartial(dest);
    // a sidecar that is a link or a FIFO is not ours: not read, and replaced at the next checkpoint
    if (!(await lstatOrNull(sidecarPath(dest)))?.isFile()) return undefined;
    const fh = await openNoFollow(sidecarPath(dest), constants.O_RDONLY);
    try {
      text = await fh.readFile('utf8');
    } finally {
      await fh.close();
    }
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
  const fh = await openNoFollow(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC);
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
    // left by an earlier version; a name too long for the old suffix cannot exist
    rm(legacyPartialPath(dest), { force: true }).catch(() => {}),
    rm(legacySidecarPath(dest), { force: true }).catch(() => {}),
  ]);
}
