// Bandwidth caps. A "debt" token bucket: a taker reserves its bytes at once and sleeps off any deficit, so
// concurrent connections sharing one bucket queue up fairly and the long-run rate stays exact even though
// timers are coarse.
export class TokenBucket {
  readonly rate: number;
  #burst: number;
  #tokens: number;
  #last = performance.now();

  constructor(bytesPerSecond: number) {
    this.rate = bytesPerSecond;
    // ~20 ms of burst: enough to absorb timer jitter, too little to show in any measurement
    this.#burst = Math.max(16 * 1024, bytesPerSecond / 50);
    this.#tokens = this.#burst;
  }

  /** Reserves n bytes; returns how many ms to wait before sending them. */
  reserve(n: number): number {
    const now = performance.now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#last) * this.rate) / 1000);
    this.#last = now;
    this.#tokens -= n;
    return this.#tokens >= 0 ? 0 : (-this.#tokens / this.rate) * 1000;
  }
}
