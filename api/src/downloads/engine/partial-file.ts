// The partial file being filled: positioned writes from several connections, the set of written ranges,
// and the sidecar that makes them resumable (written only after the data it lists is fsynced).
import { constants } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { openNoFollow } from '../../storage/safe-fs.ts';
import { fsError } from './errors.ts';
import { RangeSet } from './ranges.ts';
import { partialPath, writeSidecar, type Sidecar } from './sidecar.ts';

export interface ContentMeta {
  identity?: string;
  validator?: string;
}

export class PartialFile {
  readonly fh: FileHandle;
  readonly dest: string;
  readonly size: number;
  readonly #expected: { sha256?: string; gitOid?: string };
  readonly #label: string;
  written: RangeSet;
  meta: ContentMeta;
  #persistChain: Promise<void> = Promise.resolve();

  private constructor(fh: FileHandle, dest: string, size: number, expected: { sha256?: string; gitOid?: string }, label: string, written: RangeSet, meta: ContentMeta) {
    this.fh = fh;
    this.dest = dest;
    this.size = size;
    this.#expected = expected;
    this.#label = label;
    this.written = written;
    this.meta = meta;
  }

  /** Opens (creating it if needed) the partial; `resume` lists what it already holds, else it is emptied. */
  static async open(dest: string, size: number, expected: { sha256?: string; gitOid?: string }, label: string, resume: Sidecar | undefined): Promise<PartialFile> {
    const flags = constants.O_RDWR | constants.O_CREAT | (resume ? 0 : constants.O_TRUNC);
    let fh: FileHandle;
    try {
      // never through a link planted at the partial's name: it is removed, and the open refuses links
      fh = await openNoFollow(partialPath(dest), flags, 0o644);
    } catch (err) {
      throw fsError(err, 'create', partialPath(dest));
    }
    let written = new RangeSet();
    const meta: ContentMeta = {};
    if (resume) {
      // never trust ranges beyond what the file really holds (a crash can lose unsynced tail writes)
      const onDisk = (await fh.stat()).size;
      written = new RangeSet(resume.done).clip(onDisk);
      if (resume.identity) meta.identity = resume.identity;
      if (resume.validator) meta.validator = resume.validator;
    }
    return new PartialFile(fh, dest, size, expected, label, written, meta);
  }

  /** Writes `chunks` contiguously at `offset` and records them as written. */
  async write(offset: number, chunks: Uint8Array[], length: number): Promise<void> {
    let pos = offset;
    let rest = chunks;
    let left = length;
    try {
      while (left > 0) {
        const { bytesWritten } = await this.fh.writev(rest, pos);
        if (bytesWritten <= 0) throw Object.assign(new Error('write returned 0 bytes'), { code: 'EIO', syscall: 'write' });
        pos += bytesWritten;
        left -= bytesWritten;
        if (left > 0) rest = dropFront(rest, bytesWritten);
      }
    } catch (err) {
      // what did land is still valid
      this.written.add(offset, pos);
      throw fsError(err, 'write', partialPath(this.dest));
    }
    this.written.add(offset, pos);
  }

  /** fsync the data, then record in the sidecar what it covers. Calls are serialised. */
  persist(): Promise<void> {
    const run = async () => {
      const snapshot = this.written.toJSON();
      try {
        await this.fh.datasync();
        await writeSidecar(this.dest, this.#sidecar(snapshot));
      } catch (err) {
        throw fsError(err, 'save progress of', partialPath(this.dest));
      }
    };
    const next = this.#persistChain.then(run, run);
    this.#persistChain = next.catch(() => {});
    return next;
  }

  /** Empties the file for a download from zero (content changed, or a bad hash). */
  async reset(meta: ContentMeta): Promise<void> {
    await this.#persistChain;
    try {
      await this.fh.truncate(0);
    } catch (err) {
      throw fsError(err, 'truncate', partialPath(this.dest));
    }
    this.written = new RangeSet();
    this.meta = meta;
    await this.persist();
  }

  /** Cuts anything past the expected size and fsyncs the whole file (data and metadata). */
  async seal(): Promise<void> {
    await this.#persistChain;
    try {
      // a longer file can only hold stale bytes past the end; a shorter one would have failed hashing
      if ((await this.fh.stat()).size > this.size) await this.fh.truncate(this.size);
      await this.fh.sync();
    } catch (err) {
      throw fsError(err, 'sync', partialPath(this.dest));
    }
  }

  async close(): Promise<void> {
    await this.#persistChain;
    await this.fh.close().catch(() => {});
  }

  #sidecar(done: Sidecar['done']): Sidecar {
    const s: Sidecar = { v: 1, size: this.size, done };
    if (this.#expected.sha256) s.sha256 = this.#expected.sha256;
    if (this.#expected.gitOid) s.gitOid = this.#expected.gitOid;
    if (this.meta.identity) s.identity = this.meta.identity;
    if (this.meta.validator) s.validator = this.meta.validator;
    return s;
  }

  get label(): string {
    return this.#label;
  }
}

function dropFront(chunks: Uint8Array[], n: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let skip = n;
  for (const c of chunks) {
    if (skip >= c.length) {
      skip -= c.length;
      continue;
    }
    out.push(skip > 0 ? c.subarray(skip) : c);
    skip = 0;
  }
  return out;
}
