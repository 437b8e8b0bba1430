// Hashing of big files on a worker thread. A big file arrives over many connections at scattered
// offsets, so most of it is read back from the page cache to be hashed in order anyway; doing that
// reading and hashing on a thread of its own keeps the event loop free for the sockets.
import { Worker } from 'node:worker_threads';
import { canceledError, DownloadError, fsError } from './errors.ts';
import type { Digests, FileHasher } from './hashing.ts';
import type { RangeSet } from './ranges.ts';

export type ToWorker =
  | { op: 'open'; id: number; path: string; size: number; git: boolean }
  | { op: 'extend'; id: number; end: number }
  | { op: 'finish'; id: number }
  | { op: 'stop'; id: number };

export type ToMain =
  | { op: 'digest'; id: number; digests: Digests }
  | { op: 'stopped'; id: number }
  | { op: 'error'; id: number; message: string; code: string };

type Listener = (m: ToMain) => void;

const EXTEND_STEP = 1024 * 1024;

class HashThread {
  readonly #worker: Worker;
  readonly #listeners = new Map<number, Listener>();
  #nextId = 1;
  #dead: Error | undefined;
  readonly #onGone: () => void;

  constructor(onGone: () => void) {
    this.#onGone = onGone;
    // the thread allocates next to nothing per read: a small young generation keeps its heap from
    // growing to V8's default (tens of MB on a machine with much RAM) and counting in the API's RSS
    this.#worker = new Worker(new URL('./hash-worker.ts', import.meta.url), { resourceLimits: { maxYoungGenerationSizeMb: 4 } });
    // only files being hashed keep the process alive (see #refresh)
    this.#worker.unref();
    this.#worker.on('message', (m: ToMain) => this.#listeners.get(m.id)?.(m));
    this.#worker.on('error', (err: unknown) => this.#die(err instanceof Error ? err : new Error(String(err))));
    this.#worker.on('exit', (code) => this.#die(new Error(`hash thread exited with code ${code}`)));
  }

  get alive(): boolean {
    return this.#dead === undefined;
  }

  open(path: string, size: number, git: boolean, listener: Listener): number {
    const id = this.#nextId++;
    this.#listeners.set(id, listener);
    this.#refresh();
    this.post({ op: 'open', id, path, size, git });
    return id;
  }

  release(id: number): void {
    this.#listeners.delete(id);
    this.#refresh();
  }

  post(m: ToWorker): void {
    if (this.#dead) return;
    this.#worker.postMessage(m);
  }

  async terminate(): Promise<void> {
    // files still being hashed fail (and can be retried) rather than wait for ever
    this.#die(new Error('the hash thread was closed'));
    await this.#worker.terminate();
  }

  #refresh(): void {
    if (this.#dead) return;
    if (this.#listeners.size > 0) this.#worker.ref();
    else this.#worker.unref();
  }

  #die(err: Error): void {
    if (this.#dead) return;
    this.#dead = err;
    this.#onGone();
    for (const [id, listener] of this.#listeners) listener({ op: 'error', id, message: err.message, code: 'THREAD' });
  }
}

let shared: HashThread | undefined;

function hashThread(): HashThread {
  if (!shared?.alive) {
    const thread: HashThread = new HashThread(() => {
      if (shared === thread) shared = undefined;
    });
    shared = thread;
  }
  return shared;
}

/** Stops the hash thread (server shutdown); a later download starts a new one. */
export async function closeHashThread(): Promise<void> {
  const thread = shared;
  shared = undefined;
  await thread?.terminate();
}

/**
 * FileHasher for a file written at scattered offsets: tells the thread how far the contiguous written
 * prefix reaches; the thread reads it back from the file and hashes it.
 */
export class ThreadedFrontierHasher implements FileHasher {
  readonly #thread: HashThread;
  readonly #id: number;
  readonly #written: RangeSet;
  readonly #label: string;
  #sent = 0;
  #result: Promise<Digests>;
  #stopped: Promise<void>;
  #resolveStopped: () => void = () => {};

  constructor(path: string, written: RangeSet, size: number, git: boolean, label: string) {
    this.#written = written;
    this.#label = label;
    let resolve: (d: Digests) => void = () => {};
    let reject: (e: DownloadError) => void = () => {};
    this.#result = new Promise<Digests>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // settled only through finish(); an error before that must not be an unhandled rejection
    this.#result.catch(() => {});
    this.#stopped = new Promise<void>((res) => {
      this.#resolveStopped = res;
    });
    this.#thread = hashThread();
    this.#id = this.#thread.open(path, size, git, (m) => {
      if (m.op === 'digest') resolve(m.digests);
      else if (m.op === 'error') reject(threadError(m, label));
      else reject(canceledError(label));
      // every answer is the last one: the thread has closed the file
      this.#resolveStopped();
      this.#thread.release(this.#id);
    });
  }

  // the thread reads the bytes back from the file: only how far the written prefix reaches matters. Chunks
  // written as they arrive are small (receive.ts): the thread hears of the prefix once per MiB it grows.
  wrote(_offset: number, _chunks: readonly Uint8Array[], _length: number): void {
    if (this.#written.coveredEnd(0) - this.#sent >= EXTEND_STEP) this.catchUp();
  }

  catchUp(): void {
    const end = this.#written.coveredEnd(0);
    if (end > this.#sent) {
      this.#sent = end;
      this.#thread.post({ op: 'extend', id: this.#id, end });
    }
  }

  async finish(signal?: AbortSignal): Promise<Digests> {
    this.catchUp();
    this.#thread.post({ op: 'finish', id: this.#id });
    if (!signal) return this.#result;
    // re-hashing a big resumed partial can take a while: a cancel must not wait for it
    let onAbort: () => void = () => {};
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(canceledError(this.#label));
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([this.#result, aborted]);
    } catch (err) {
      if (signal.aborted) await this.stop();
      throw err;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** Stops reading back (before the file is truncated or closed); resolves once the thread let go of it. */
  async stop(): Promise<void> {
    this.#thread.post({ op: 'stop', id: this.#id });
    await this.#stopped;
  }
}

function threadError(m: { message: string; code: string }, label: string): DownloadError {
  if (m.code === 'SHORT') return new DownloadError('IntegrityError', `${label}: ${m.message}`, { permanent: false });
  // a file-system error keeps its code (ENOSPC and EIO read differently); a lost thread can be retried
  if (m.code.startsWith('E')) return fsError(Object.assign(new Error(m.message), { code: m.code }), 'read back', label);
  return new DownloadError('IOError', `${label}: ${m.message}`, { permanent: false });
}
