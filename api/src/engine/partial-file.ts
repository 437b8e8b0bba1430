// The partial file being filled: positioned writes from several connections, the set of written ranges,
// the sidecar that makes them resumable (its ranges written only after their data is fsynced), and the
// journal of every completed write (what a killed process leaves in the page cache).
import { constants, writeSync } from 'node:fs';
import { rm, type FileHandle } from 'node:fs/promises';
import { openNoFollow } from '../storage/safe-fs.ts';
import { fsError } from './errors.ts';
import { RangeSet, type ByteRange } from './ranges.ts';
import { encodeJournal, journalPath, partialPath, writeSidecar, type Sidecar } from './sidecar.ts';
import { syncTurn } from './sync-turns.ts';

// Journal records wait this long to go out together: at 1 GB/s a journal write per completed 512 KiB
// write was ~8,000 extra trips through libuv's thread pool per 4 GiB. A kill -9 then loses at most
// this much more of what had arrived, as much as the staging buffers already hold (receive.ts).
const JOURNAL_BATCH_MS = 50;

/** What an earlier call left: the sidecar (fsynced ranges) and the journal (every completed write). */
export interface ResumeState {
  sidecar: Sidecar;
  journal: ByteRange[];
}

export interface ContentMeta {
  /** X-Linked-Etag from the Hub's hop: the content's hash, never the CDN's own ETag */
  identity?: string;
}

export class PartialFile {
  readonly fh: FileHandle;
  readonly dest: string;
  readonly size: number;
  /** the file system it is on (st_dev): how quickly it takes writes is judged per device (write-gate.ts) */
  readonly device: number;
  readonly #expected: { sha256?: string; gitOid?: string };
  readonly #label: string;
  written: RangeSet;
  /** what was known to be fsynced when the file was opened: all a power loss is sure to have kept */
  durableAtOpen: RangeSet;
  meta: ContentMeta;
  /**
   * a checkpoint's fdatasync is under way: a write to a page being written back waits for it, so writes
   * go through libuv's threads meanwhile, never blocking the event loop (receive.ts)
   */
  syncing = false;
  #persistChain: Promise<void> = Promise.resolve();
  readonly #journal: FileHandle | undefined;
  #journalQueue: ByteRange[] = [];
  #journalWriting: Promise<void> | undefined;
  #journalTimer: NodeJS.Timeout | undefined;
  #journalBroken = false;
  #undurable = 0;

  private constructor(
    fh: FileHandle,
    journal: FileHandle | undefined,
    dest: string,
    size: number,
    device: number,
    expected: { sha256?: string; gitOid?: string },
    label: string,
    written: RangeSet,
    durable: RangeSet,
    meta: ContentMeta,
  ) {
    this.fh = fh;
    this.#journal = journal;
    this.dest = dest;
    this.size = size;
    this.device = device;
    this.#expected = expected;
    this.#label = label;
    this.written = written;
    this.durableAtOpen = durable;
    this.#undurable = written.size() - durable.size();
    this.meta = meta;
  }

  /**
   * Opens (creating it if needed) the partial; `resume` says what it already holds, else it is emptied.
   * `journaled`: keep a journal of writes (worth it for files that take a while; a small file is cheaper
   * to fetch again than to journal).
   */
  static async open(
    dest: string,
    size: number,
    expected: { sha256?: string; gitOid?: string },
    label: string,
    resume: ResumeState | undefined,
    journaled: boolean,
  ): Promise<PartialFile> {
    const flags = constants.O_RDWR | constants.O_CREAT | (resume ? 0 : constants.O_TRUNC);
    let fh: FileHandle;
    let journal: FileHandle | undefined;
    try {
      // the journal is emptied before the partial: a stale journal must never describe a new, empty file
      if (journaled)
        journal = await openNoFollow(journalPath(dest), constants.O_WRONLY | constants.O_CREAT | (resume ? constants.O_APPEND : constants.O_TRUNC), 0o644);
      else if (!resume) await rm(journalPath(dest), { force: true });
    } catch (err) {
      throw fsError(err, 'create', journalPath(dest));
    }
    try {
      // never through a link planted at the partial's name: it is removed, and the open refuses links
      fh = await openNoFollow(partialPath(dest), flags, 0o644);
    } catch (err) {
      await journal?.close().catch(() => {});
      throw fsError(err, 'create', partialPath(dest));
    }
    let written = new RangeSet();
    let durable = new RangeSet();
    const meta: ContentMeta = {};
    let stat: { size: number; dev: number };
    try {
      stat = await fh.stat();
    } catch (err) {
      await fh.close().catch(() => {});
      await journal?.close().catch(() => {});
      throw fsError(err, 'open', partialPath(dest));
    }
    if (resume) {
      // never trust ranges beyond what the file really holds
      const onDisk = stat.size;
      durable = new RangeSet(resume.sidecar.done).clip(onDisk);
      written = new RangeSet([...resume.sidecar.done, ...resume.journal]).clip(onDisk);
      if (resume.sidecar.identity) meta.identity = resume.sidecar.identity;
    }
    return new PartialFile(fh, journal, dest, size, stat.dev, expected, label, written, durable, meta);
  }

  /** Records the file's identity without an fsync, so a crash before the first checkpoint can resume. */
  async announce(): Promise<void> {
    await writeSidecar(this.dest, this.#sidecar(this.written.toJSON()), false).catch(() => {});
  }

  /** Bytes trusted at open from the journal alone (not known to be fsynced): 0 after a reset. */
  get undurableAtOpen(): number {
    return this.#undurable;
  }

  /** Forgets what is not known to be fsynced (the bytes there are fetched and overwritten again). */
  async rollBackToDurable(): Promise<void> {
    await this.#settleJournal();
    await this.#journal?.truncate(0).catch(() => {
      this.#journalBroken = true;
    });
    this.written = new RangeSet(this.durableAtOpen.toJSON());
    this.#undurable = 0;
  }

  /** Writes `chunks` contiguously at `offset` and records them as written. */
  async write(offset: number, chunks: Uint8Array[], length: number): Promise<void> {
    let pos = offset;
    let rest = chunks;
    let left = length;
    try {
      while (left > 0) {
        const { bytesWritten } = await this.fh.writev(rest, pos);
        if (bytesWritten <= 0) throw nothingWritten();
        pos += bytesWritten;
        left -= bytesWritten;
        if (left > 0) rest = dropFront(rest, bytesWritten);
      }
    } catch (err) {
      throw fsError(err, 'write', partialPath(this.dest));
    } finally {
      // after a failure too: what did land is still valid
      this.#landed(offset, pos);
    }
  }

  /**
   * Writes `piece` at `offset` now, on the calling thread, and records it as written. For the page
   * cache of a quick device only (write-gate.ts): it blocks the event loop for as long as it takes.
   */
  writeNow(offset: number, piece: Uint8Array): void {
    let pos = offset;
    const end = offset + piece.length;
    try {
      while (pos < end) {
        const n = writeSync(this.fh.fd, piece, pos - offset, end - pos, pos);
        if (n <= 0) throw nothingWritten();
        pos += n;
      }
    } catch (err) {
      throw fsError(err, 'write', partialPath(this.dest));
    } finally {
      this.#landed(offset, pos);
    }
  }

  #landed(start: number, end: number): void {
    if (end <= start) return;
    this.written.add(start, end);
    if (this.#journalBroken || !this.#journal) return;
    // a connection's chunks follow each other: one record for the run (the queue is ours until drained)
    const last = this.#journalQueue[this.#journalQueue.length - 1];
    if (last !== undefined && last[1] === start) last[1] = end;
    else this.#journalQueue.push([start, end]);
    // one journal write in flight per file; records that arrive meanwhile go out together after it
    if (this.#journalWriting || this.#journalTimer) return;
    this.#journalTimer = setTimeout(() => {
      this.#journalTimer = undefined;
      this.#journalWriting ??= this.#drainJournal();
    }, JOURNAL_BATCH_MS);
  }

  async #drainJournal(): Promise<void> {
    try {
      while (this.#journalQueue.length && !this.#journalBroken) {
        const batch = this.#journalQueue;
        this.#journalQueue = [];
        await this.#journal!.write(encodeJournal(batch));
      }
    } catch {
      // without the journal a crash costs what arrived since the last checkpoint, no more
      this.#journalBroken = true;
    } finally {
      this.#journalWriting = undefined;
    }
  }

  /** fsync the data, then record in the sidecar what it covers. Calls are serialised. */
  persist(): Promise<void> {
    const run = async () => {
      const snapshot = this.written.toJSON();
      try {
        // writes stay on arrival while waiting for the turn; only the sync itself stages them
        await syncTurn(this.device, async () => {
          this.syncing = true;
          try {
            await this.fh.datasync();
          } finally {
            this.syncing = false;
          }
        });
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
    await this.#settleJournal();
    try {
      await this.#journal?.truncate(0);
    } catch {
      this.#journalBroken = true;
    }
    this.written = new RangeSet();
    this.durableAtOpen = new RangeSet();
    this.#undurable = 0;
    this.meta = meta;
    await this.persist();
  }

  /** Writes the queued records now and waits for every journal write. */
  async #settleJournal(): Promise<void> {
    if (this.#journalTimer) {
      clearTimeout(this.#journalTimer);
      this.#journalTimer = undefined;
      this.#journalWriting ??= this.#drainJournal();
    }
    while (this.#journalWriting) await this.#journalWriting;
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
    await this.#settleJournal();
    await this.fh.close().catch(() => {});
    await this.#journal?.close().catch(() => {});
  }

  #sidecar(done: Sidecar['done']): Sidecar {
    const s: Sidecar = { v: 1, size: this.size, done };
    if (this.#expected.sha256) s.sha256 = this.#expected.sha256;
    if (this.#expected.gitOid) s.gitOid = this.#expected.gitOid;
    if (this.meta.identity) s.identity = this.meta.identity;
    return s;
  }

  get label(): string {
    return this.#label;
  }
}

function nothingWritten(): Error {
  return Object.assign(new Error('write returned 0 bytes'), { code: 'EIO', syscall: 'write' });
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
