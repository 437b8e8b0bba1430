// bcrypt is slow on purpose (about 0.25 s of CPU per hash at cost 12). @node-rs/bcrypt's async calls
// run on libuv's threadpool, the same 4 threads that serve every file read, write, stat and fsync: a
// flood of sign-ins queued health checks and downloads behind password hashes (issue 11). Here hashes
// run on threads of their own, at most `size` at once; more requests wait in line, costing nothing.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

export type BcryptTask = { op: 'hash'; password: string; cost: number } | { op: 'verify'; password: string; hash: string };
export type BcryptReply = { id: number; ok: true; value: string | boolean } | { id: number; ok: false; message: string };

interface Job {
  id: number;
  task: BcryptTask;
  resolve: (v: string | boolean) => void;
  reject: (e: Error) => void;
}

class BcryptThread {
  readonly worker: Worker;
  job: Job | undefined;
  constructor(onReply: (t: BcryptThread, r: BcryptReply) => void, onGone: (t: BcryptThread, err: Error) => void) {
    this.worker = new Worker(new URL('./bcrypt-worker.ts', import.meta.url));
    // an idle thread must not keep the process alive (tests, the user:add CLI); a busy one does
    this.worker.unref();
    this.worker.on('message', (r: BcryptReply) => onReply(this, r));
    this.worker.on('error', (err: unknown) => onGone(this, err instanceof Error ? err : new Error(String(err))));
    this.worker.on('exit', (code) => onGone(this, new Error(`bcrypt thread exited with code ${code}`)));
  }
}

export class BcryptPool {
  readonly size: number;
  readonly #idle: BcryptThread[] = [];
  readonly #all = new Set<BcryptThread>();
  readonly #waiting: Job[] = [];
  #nextId = 1;
  #running = 0;
  #started = 0;

  constructor(size: number) {
    this.size = size;
  }

  /** Hashes running right now (never more than `size`). */
  get running(): number {
    return this.#running;
  }

  /** Hashes and verifications started since the process began (tests check what was not hashed). */
  get started(): number {
    return this.#started;
  }

  run(task: BcryptTask): Promise<string | boolean> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ id: this.#nextId++, task, resolve, reject });
      this.#pump();
    });
  }

  #pump(): void {
    while (this.#waiting.length > 0) {
      let thread = this.#idle.pop();
      if (!thread && this.#all.size < this.size) {
        thread = new BcryptThread(
          (t, r) => this.#reply(t, r),
          (t, err) => this.#gone(t, err),
        );
        this.#all.add(thread);
      }
      if (!thread) return;
      const job = this.#waiting.shift()!;
      thread.job = job;
      this.#running++;
      this.#started++;
      thread.worker.ref();
      thread.worker.postMessage({ id: job.id, ...job.task });
    }
  }

  #finish(thread: BcryptThread): Job | undefined {
    const job = thread.job;
    thread.job = undefined;
    if (job) this.#running--;
    thread.worker.unref();
    return job;
  }

  #reply(thread: BcryptThread, r: BcryptReply): void {
    const job = this.#finish(thread);
    this.#idle.push(thread);
    if (job) {
      if (r.ok) job.resolve(r.value);
      else job.reject(new Error(r.message));
    }
    this.#pump();
  }

  #gone(thread: BcryptThread, err: Error): void {
    if (!this.#all.delete(thread)) return;
    const i = this.#idle.indexOf(thread);
    if (i >= 0) this.#idle.splice(i, 1);
    this.#finish(thread)?.reject(err);
    this.#pump();
  }
}

// One core is left to the event loop (sockets, health checks) on small machines; two hashes at once at
// most, since logins are rare and each one is a quarter second of a whole core.
export const bcryptPool = new BcryptPool(Math.max(1, Math.min(2, availableParallelism() - 1)));
