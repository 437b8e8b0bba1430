// Content hashes computed while bytes stream in: SHA-256 always, the git blob SHA-1 when the tree gave one.
import { createHash, type Hash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { canceledError, DownloadError, fsError } from './errors.ts';
import type { RangeSet } from './ranges.ts';

const READ_CHUNK = 1024 * 1024;

export interface Digests {
  sha256: string;
  gitOid?: string;
}

export class ContentHasher {
  readonly #sha256: Hash = createHash('sha256');
  readonly #sha1: Hash | undefined;

  constructor(size: number, git: boolean) {
    if (git) {
      // a git blob id hashes the header "blob <size>\0" followed by the content
      this.#sha1 = createHash('sha1').update(`blob ${size}\0`);
    }
  }

  update(buf: Uint8Array): void {
    this.#sha256.update(buf);
    this.#sha1?.update(buf);
  }

  digest(): Digests {
    const out: Digests = { sha256: this.#sha256.digest('hex') };
    if (this.#sha1) out.gitOid = this.#sha1.digest('hex');
    return out;
  }
}

/** Compares digests with what the tree promised; undefined when they match. */
export function mismatch(got: Digests, want: { sha256?: string | undefined; gitOid?: string | undefined }): string | undefined {
  const bad: string[] = [];
  if (want.sha256 && want.sha256.toLowerCase() !== got.sha256) bad.push(`sha256 expected ${want.sha256}, got ${got.sha256}`);
  if (want.gitOid && want.gitOid.toLowerCase() !== got.gitOid) bad.push(`git blob sha1 expected ${want.gitOid}, got ${got.gitOid}`);
  return bad.length ? bad.join('; ') : undefined;
}

/** Hashes a file being written, in file order, whatever order its ranges arrive in. */
export interface FileHasher {
  /** After `chunks` were written at `offset` (and added to the written set). */
  wrote(offset: number, chunks: readonly Uint8Array[], length: number): void;
  /** Starts on whatever is written but not hashed yet (e.g. a resumed partial). */
  catchUp(): void;
  /** Waits until every byte is hashed; call once the written set covers the whole file. */
  finish(signal?: AbortSignal): Promise<Digests>;
  /** Stops reading the file (before it is truncated or closed). */
  stop(): Promise<void>;
}

/**
 * Hashes a file being written at scattered offsets, in file order, on the event loop: it follows the
 * contiguous written frontier. Bytes written exactly at the frontier are hashed from memory; bytes that
 * landed ahead of it (other segments, or a partial from an earlier run) are read back, from the page
 * cache when recent.
 */
export class FrontierHasher implements FileHasher {
  readonly #fh: FileHandle;
  readonly #written: RangeSet;
  readonly #size: number;
  readonly #hasher: ContentHasher;
  readonly #label: string;
  #pos = 0;
  #pump: Promise<void> | undefined;
  #stopped = false;
  #error: DownloadError | undefined;
  #buf: Buffer | undefined;

  constructor(fh: FileHandle, written: RangeSet, size: number, git: boolean, label: string) {
    this.#fh = fh;
    this.#written = written;
    this.#size = size;
    this.#hasher = new ContentHasher(size, git);
    this.#label = label;
  }

  get position(): number {
    return this.#pos;
  }

  /** After `chunks` were written at `offset` (and added to the written set). */
  wrote(offset: number, chunks: readonly Uint8Array[], length: number): void {
    if (!this.#pump && !this.#stopped && offset === this.#pos) {
      for (const c of chunks) this.#hasher.update(c);
      this.#pos += length;
    }
    this.#kick();
  }

  /** Starts reading back whatever is written but not hashed yet (e.g. a resumed partial). */
  catchUp(): void {
    this.#kick();
  }

  /** Waits until every byte is hashed; call once the written set covers the whole file. */
  async finish(signal?: AbortSignal): Promise<Digests> {
    // re-hashing a big resumed partial can take a while: a cancel must not wait for it
    const onAbort = () => {
      this.#stopped = true;
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      if (signal?.aborted) onAbort();
      this.#kick();
      while (this.#pump) await this.#pump;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    if (signal?.aborted) throw canceledError(this.#label);
    if (this.#error) throw this.#error;
    if (this.#pos !== this.#size) {
      throw new DownloadError('IntegrityError', `${this.#label}: hashed ${this.#pos} of ${this.#size} bytes`, { permanent: false });
    }
    return this.#hasher.digest();
  }

  /** Stops reading back (before the file is truncated or closed). */
  async stop(): Promise<void> {
    this.#stopped = true;
    while (this.#pump) await this.#pump;
  }

  #kick(): void {
    if (this.#pump || this.#stopped || this.#error) return;
    if (this.#written.coveredEnd(this.#pos) <= this.#pos) return;
    this.#pump = this.#readBack().finally(() => {
      this.#pump = undefined;
      // writes that arrived while the last read was in flight
      this.#kick();
    });
  }

  async #readBack(): Promise<void> {
    this.#buf ??= Buffer.allocUnsafe(READ_CHUNK);
    const buf = this.#buf;
    try {
      while (!this.#stopped) {
        const end = this.#written.coveredEnd(this.#pos);
        if (end <= this.#pos) return;
        const n = Math.min(READ_CHUNK, end - this.#pos);
        let got = 0;
        while (got < n) {
          const { bytesRead } = await this.#fh.read(buf, got, n - got, this.#pos + got);
          if (bytesRead === 0) throw new Error(`unexpected end of file at ${this.#pos + got}`);
          got += bytesRead;
        }
        if (this.#stopped) return;
        this.#hasher.update(buf.subarray(0, n));
        this.#pos += n;
      }
    } catch (err) {
      this.#error = fsError(err, 'read back', this.#label);
    }
  }
}

/** Hashes a whole file on disk (the check of an existing destination, which needs no network). */
export async function hashFile(file: string, size: number, git: boolean, signal: AbortSignal | undefined, label: string): Promise<Digests> {
  const hasher = new ContentHasher(size, git);
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(READ_CHUNK);
    for (;;) {
      if (signal?.aborted) throw canceledError(label);
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      hasher.update(buf.subarray(0, bytesRead));
    }
  } finally {
    await fh.close();
  }
  return hasher.digest();
}
