// The receive path of one ranged response. While the storage takes writes quickly, each socket chunk is
// written at its file position the moment it arrives, on the event loop (write-gate.ts says when).
// Otherwise chunks are copied at once into a reused staging buffer and written at their file position
// from there on libuv's threads, one positioned write per buffer.
//
// Why: at 1 GB/s a response delivers ~16,000 chunks a second. Holding them in a write batch across the
// write's await kept them alive long enough to be promoted, and the garbage collector then spent more
// CPU than the rest of the engine (bench/README.md, "CPU profile"). A chunk copied and dropped on arrival
// dies young; the staging buffers are reused from a pool; there is no promise per chunk.
import type { BandwidthLimiter } from './bandwidth-limiter.ts';
import type { FileHasher } from './hashing.ts';
import type { RangeResponse } from './http-client.ts';
import { LeanBody } from './lean-conn.ts';
import type { PartialFile } from './partial-file.ts';
import type { Slot } from './transfer-parts.ts';
import { writeAtOnce, wroteAtOnce } from './write-gate.ts';

// A full buffer is written at once; a slow link's buffer at the latest after WRITE_BATCH_MS, so a crash
// loses only what had just arrived (the journal records every completed write: sidecar.ts).
export const STAGE_SIZE = 512 * 1024;
const WRITE_BATCH_MS = 50;
// a socket read into less room than this costs more in syscalls than the copy it saves
const MIN_REGION = 16 * 1024;
// buffers kept for reuse across responses and files: 4 files × 8 connections × 2 at the defaults
const POOL_MAX = 64;
const pool: Buffer[] = [];

function takeBuffer(): Buffer {
  return pool.pop() ?? Buffer.allocUnsafeSlow(STAGE_SIZE);
}

function giveBack(buf: Buffer): void {
  if (pool.length < POOL_MAX) pool.push(buf);
}

export interface ReceiveTarget {
  file: PartialFile;
  hasher: FileHasher;
  /** bytes received (called per chunk) */
  onArrived(length: number): void;
  /** bytes written to the file (called once per completed write) */
  onWritten(length: number): void;
  /** the bandwidth limit shared by every connection (bandwidth-limiter.ts); none: unlimited */
  limiter?: BandwidthLimiter | undefined;
  /** write chunks as they arrive while the file's device is quick (write-gate.ts); else always staged */
  writeOnArrival?: boolean;
}

/**
 * Two staging buffers per response: one fills while the other is being written. When both are busy the
 * caller pauses the body until `whenRoom` fires.
 */
export class StagedWriter {
  readonly #t: ReceiveTarget;
  #buf: Buffer | undefined;
  #len = 0;
  /** file offset of #buf[0] */
  #at: number;
  #since = 0;
  #writing: Promise<void> | undefined;
  #error: unknown;
  /** bytes that arrived while both buffers were busy (the body is paused meanwhile) */
  #waiting: Uint8Array[] = [];
  #onRoom: () => void = () => {};

  constructor(target: ReceiveTarget, at: number) {
    this.#t = target;
    this.#at = at;
  }

  /** A write failed: the caller stops receiving and reports it. */
  get error(): unknown {
    return this.#error;
  }

  /** Called when a paused body may flow again (or a write failed: see `error`). */
  set onRoom(fn: () => void) {
    this.#onRoom = fn;
  }

  /**
   * Copies `piece` (the next bytes of the range) into the staging buffer. Returns false when the caller
   * should pause until `onRoom` is called; the piece is kept meanwhile.
   */
  push(piece: Uint8Array): boolean {
    if (this.#atOnce()) {
      this.#writeAtOnce(piece);
      return true;
    }
    // what waits is copied: a chunk may be a view of a socket's reused read buffer (lean-http.ts)
    if (this.#waiting.length) {
      this.#waiting.push(Buffer.from(piece));
      return false;
    }
    // already in place: the socket read straight into the staging buffer (region())
    const buf = this.#buf;
    if (buf && piece.buffer === buf.buffer && piece.byteOffset === buf.byteOffset + this.#len && piece.length <= STAGE_SIZE - this.#len) {
      this.#len += piece.length;
      if (!this.#writing && (this.#len === STAGE_SIZE || performance.now() - this.#since >= WRITE_BATCH_MS)) this.#startWrite();
      return this.#len < STAGE_SIZE || !this.#writing;
    }
    let off = 0;
    while (off < piece.length) {
      if (this.#len === STAGE_SIZE) {
        if (this.#writing) {
          this.#waiting.push(Buffer.from(piece.subarray(off)));
          return false;
        }
        this.#startWrite();
      }
      if (!this.#buf) {
        this.#buf = takeBuffer();
        this.#since = performance.now();
      }
      const n = Math.min(piece.length - off, STAGE_SIZE - this.#len);
      this.#buf.set(off === 0 && n === piece.length ? piece : piece.subarray(off, off + n), this.#len);
      this.#len += n;
      off += n;
    }
    if (!this.#writing && (this.#len === STAGE_SIZE || performance.now() - this.#since >= WRITE_BATCH_MS)) this.#startWrite();
    return this.#len < STAGE_SIZE || !this.#writing;
  }

  /**
   * Where the next bytes may be read to land in place (the free tail of the staging buffer), or undefined
   * when they must be copied (both buffers busy, bytes waiting, a write failed).
   */
  region(): Uint8Array | undefined {
    // written at once: the connection's own read buffer is the one still in the CPU's cache
    if (this.#error !== undefined || this.#waiting.length || this.#atOnce()) return undefined;
    if (this.#len === STAGE_SIZE) {
      if (this.#writing) return undefined;
      this.#startWrite();
    }
    if (!this.#buf) {
      this.#buf = takeBuffer();
      this.#since = performance.now();
    }
    return STAGE_SIZE - this.#len >= MIN_REGION ? this.#buf.subarray(this.#len) : undefined;
  }

  /** Writes what is staged and waits for every write; rejects with the first write error. */
  async flush(): Promise<void> {
    for (;;) {
      while (this.#writing) await this.#writing;
      if (this.#error !== undefined) throw this.#error;
      if (this.#waiting.length) this.#drainWaiting();
      else if (this.#len > 0) this.#startWrite();
      else break;
    }
  }

  /** Gives the buffers back without writing (the response is abandoned after a write error). */
  release(): void {
    if (this.#buf) giveBack(this.#buf);
    this.#buf = undefined;
    this.#len = 0;
    this.#waiting = [];
  }

  /** Nothing staged or waiting (so no order to keep), and the device is quick. */
  #atOnce(): boolean {
    const t = this.#t;
    return (
      t.writeOnArrival === true &&
      this.#len === 0 &&
      !this.#waiting.length &&
      this.#error === undefined &&
      !t.file.syncing &&
      writeAtOnce(t.file.device, performance.now())
    );
  }

  #writeAtOnce(piece: Uint8Array): void {
    const t = this.#t;
    const at = this.#at;
    const started = performance.now();
    try {
      t.file.writeNow(at, piece);
    } catch (err) {
      // the caller sees `error` after this push and stops
      this.#error = err;
      return;
    } finally {
      wroteAtOnce(t.file.device, started, performance.now());
    }
    this.#at += piece.length;
    t.hasher.wrote(at, [piece], piece.length);
    t.onWritten(piece.length);
  }

  #drainWaiting(): void {
    const pieces = this.#waiting;
    this.#waiting = [];
    for (let i = 0; i < pieces.length; i++) {
      if (!this.push(pieces[i]!)) {
        // push() queued what did not fit (or everything, once something waits): keep the order
        this.#waiting.push(...pieces.slice(i + 1));
        return;
      }
    }
  }

  #startWrite(): void {
    const buf = this.#buf!;
    const len = this.#len;
    const at = this.#at;
    this.#buf = undefined;
    this.#len = 0;
    this.#at += len;
    const t = this.#t;
    const chunk = buf.subarray(0, len);
    this.#writing = t.file
      .write(at, [chunk], len)
      .then(
        () => {
          // before the buffer is reused: the hasher may hash these bytes from memory
          t.hasher.wrote(at, [chunk], len);
          t.onWritten(len);
        },
        (err: unknown) => {
          this.#error ??= err;
        },
      )
      .finally(() => {
        this.#writing = undefined;
        giveBack(buf);
        if (this.#error === undefined) {
          // the buffer that filled meanwhile goes out next, then what waited moves in
          if (this.#len === STAGE_SIZE) this.#startWrite();
          if (this.#waiting.length) this.#drainWaiting();
          if (this.#waiting.length) return;
        }
        this.#onRoom();
      });
  }
}

/**
 * Streams a response body to disk from `slot.recv` until the slot's (possibly shrunk) end or the body's
 * end. Resolves once every received byte is written; what arrived before an error is written too.
 */
export function receiveBody(res: RangeResponse, slot: Slot, watchdog: NodeJS.Timeout, target: ReceiveTarget): Promise<void> {
  const body = res.body;
  const bodyEnd = res.length === undefined ? -1 : res.start + res.length;
  const writer = new StagedWriter(target, slot.recv);
  if (body instanceof LeanBody) body.readInto(() => writer.region());
  const limiter = target.limiter;
  return new Promise<void>((resolve, reject) => {
    let done = false;
    // the body is paused while both staging buffers are busy (full), or while the bandwidth limit makes
    // it wait its turn (slot.throttled); it reads again only when neither holds it
    let full = false;
    const ticket = limiter?.newTicket(() => {
      slot.throttled = false;
      if (done) return;
      watchdog.refresh();
      if (!full) body.resume();
    });
    const finish = (broken: unknown, destroy: boolean) => {
      if (done) return;
      done = true;
      if (ticket) {
        slot.throttled = false;
        limiter!.release(ticket);
      }
      (body as NodeJS.EventEmitter).off('data', onData);
      if (destroy) body.destroy();
      writer.flush().then(
        () => (broken === undefined ? resolve() : reject(broken)),
        (err: unknown) => {
          writer.release();
          reject(err);
        },
      );
    };
    const onData = (chunk: Buffer) => {
      if (done) return;
      if (writer.error !== undefined) return finish(writer.error, true);
      watchdog.refresh();
      const room = slot.end - slot.recv;
      if (room <= 0) return finish(undefined, true);
      const piece = chunk.length > room ? chunk.subarray(0, room) : chunk;
      slot.recv += piece.length;
      target.onArrived(piece.length);
      if (!writer.push(piece)) {
        full = true;
        body.pause();
      }
      if (writer.error !== undefined) return finish(writer.error, true);
      if (limiter?.limited && !limiter.charge(ticket!, piece.length)) {
        slot.throttled = true;
        body.pause();
      }
      // a response that ends right here ends by itself, keeping its connection for the next range
      if (slot.recv >= slot.end && slot.recv !== bodyEnd) finish(undefined, true);
    };
    writer.onRoom = () => {
      if (done) return;
      if (writer.error !== undefined) return finish(writer.error, true);
      full = false;
      // a slow disk is not a stalled connection
      watchdog.refresh();
      if (!slot.throttled) body.resume();
    };
    body.on('data', onData);
    body.on('error', (err: unknown) => finish(err, false));
    body.on('end', () => finish(undefined, false));
  });
}
