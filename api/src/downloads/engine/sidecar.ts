// `<dest>.partial.json`: what a `.partial` holds, so a later call (or a restarted process) resumes it.
// It only ever lists ranges whose bytes were fsynced before it was written.
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

/** Written to a temp file, fsynced and renamed over the old one: a crash leaves the old or the new, never half. */
export async function writeSidecar(dest: string, data: Sidecar): Promise<void> {
  const file = sidecarPath(dest);
  const tmp = `${file}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    try {
      await fh.writeFile(JSON.stringify(data));
      await fh.sync();
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
  ]);
}
