// One bandwidth limit shared by every connection of every download job in this process (issue 17): a
// token bucket that the receive path (receive.ts) charges for each chunk it reads. A connection that
// overdraws it pauses its socket, so the kernel's receive window fills and TCP slows the sender: no
// bytes pile up in memory. Waiting connections are resumed one at a time, first come first served, each
// with a small advance, so that N connections share the rate in turn rather than all bursting at once.
//
// Unlimited (rate 0) costs the receive path one property read per chunk: it never calls charge().

/** A connection's place in the limiter: `resume` is called when it may read again. */
export interface LimiterTicket {
  resume(): void;
  /** bytes granted in advance when it was resumed (charge() deducts them) */
  prepaid: number;
  waiting: boolean;
}

export interface LimiterClock {
  /** milliseconds, monotonic */
  now(): number;
  setTimer(fn: () => void, ms: number): () => void;
}

const realClock: LimiterClock = {
  now: () => performance.now(),
  setTimer(fn, ms) {
    const t = setTimeout(fn, ms);
    // waiting connections keep the process alive, not the limiter
    t.unref();
    return () => clearTimeout(t);
  },
};

// what a resumed connection may read before it is charged: a socket read's worth on a slow link
const ADVANCE = 64 * 1024;
// the bucket holds at most a tenth of a second of the rate, and at least a few advances: a 2 MB/s
// limit then passes 256 KiB at once at most, not seconds' worth after a quiet spell
const MIN_BURST = 4 * ADVANCE;
const BURST_SECONDS = 0.1;

export class BandwidthLimiter {
  #rate = 0;
  #burst = MIN_BURST;
  #tokens = MIN_BURST;
  #stamp: number;
  readonly #queue: LimiterTicket[] = [];
  #cancelTimer: (() => void) | undefined;
  readonly #clock: LimiterClock;

  constructor(opts: { rateBps?: number; clock?: LimiterClock } = {}) {
    this.#clock = opts.clock ?? realClock;
    this.#stamp = this.#clock.now();
    this.setRate(opts.rateBps ?? 0);
  }

  /** true while a limit is in force (receive.ts checks this per chunk) */
  limited = false;

  /** bytes per second; 0: unlimited */
  get rate(): number {
    return this.#rate;
  }

  /** connections paused until it is their turn */
  get waiting(): number {
    return this.#queue.length;
  }

  /** Applies a new rate at once: waiting connections are re-timed, or all resumed when it is unlimited. */
  setRate(bps: number): void {
    const rate = Number.isFinite(bps) && bps > 0 ? Math.floor(bps) : 0;
    this.#refill();
    this.#rate = rate;
    this.limited = rate > 0;
    this.#burst = Math.max(MIN_BURST, Math.floor(rate * BURST_SECONDS));
    this.#tokens = Math.min(this.#tokens, this.#burst);
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    if (!this.limited) {
      this.#tokens = this.#burst;
      const all = this.#queue.splice(0);
      for (const t of all) {
        t.waiting = false;
        t.resume();
      }
      return;
    }
    this.#pump();
  }

  newTicket(resume: () => void): LimiterTicket {
    return { resume, prepaid: 0, waiting: false };
  }

  /**
   * Charges `n` bytes that just arrived on the ticket's connection. True: read on. False: pause the
   * socket; `ticket.resume()` is called when it is its turn (it joined the end of the queue).
   */
  charge(ticket: LimiterTicket, n: number): boolean {
    this.#refill();
    this.#tokens -= n - ticket.prepaid;
    ticket.prepaid = 0;
    if (ticket.waiting) return false;
    if (this.#tokens >= 0 && this.#queue.length === 0) return true;
    ticket.waiting = true;
    this.#queue.push(ticket);
    this.#pump();
    return false;
  }

  /** The connection is done: it leaves the queue and gives back an advance it did not use. */
  release(ticket: LimiterTicket): void {
    if (ticket.waiting) {
      const i = this.#queue.indexOf(ticket);
      if (i >= 0) this.#queue.splice(i, 1);
      ticket.waiting = false;
    }
    if (ticket.prepaid > 0) {
      this.#tokens = Math.min(this.#burst, this.#tokens + ticket.prepaid);
      ticket.prepaid = 0;
    }
    if (this.#queue.length) this.#pump();
  }

  #refill(): void {
    const now = this.#clock.now();
    if (this.limited) this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#stamp) * this.#rate) / 1000);
    this.#stamp = now;
  }

  /** Resumes waiting connections in order while there are tokens for their advance; else waits for them. */
  #pump(): void {
    if (this.#cancelTimer || !this.limited) return;
    this.#refill();
    while (this.#queue.length && this.#tokens >= ADVANCE) {
      const t = this.#queue.shift()!;
      t.waiting = false;
      t.prepaid = ADVANCE;
      this.#tokens -= ADVANCE;
      t.resume();
    }
    if (!this.#queue.length) return;
    const ms = Math.max(1, Math.ceil(((ADVANCE - this.#tokens) * 1000) / this.#rate));
    this.#cancelTimer = this.#clock.setTimer(() => {
      this.#cancelTimer = undefined;
      this.#pump();
    }, ms);
  }
}
