/**
 * Bytes and file counts of one job, with a smoothed speed and an ETA. Fed by every chunk the engine
 * writes; read by the throttled DB writer.
 */
export class JobProgress {
  bytesDone = 0;
  bytesTotal: number;
  filesDone = 0;
  filesFailed = 0;
  readonly filesTotal: number;
  readonly fileBytes = new Map<string, number>();
  #lastSample = { t: Date.now(), bytes: 0 };
  #speed: number | null = null;

  constructor(bytesTotal: number, filesTotal: number) {
    this.bytesTotal = bytesTotal;
    this.filesTotal = filesTotal;
  }

  add(fileId: string, delta: number): void {
    this.bytesDone = Math.max(0, this.bytesDone + delta);
    this.fileBytes.set(fileId, Math.max(0, (this.fileBytes.get(fileId) ?? 0) + delta));
  }

  // Exponential moving average over samples (~2 s half-life at two samples per second): steady
  // enough to read, quick enough to show a stall.
  sample(now = Date.now()): { speedBps: number | null; etaS: number | null } {
    const dt = (now - this.#lastSample.t) / 1000;
    if (dt >= 0.25) {
      const rate = Math.max(0, this.bytesDone - this.#lastSample.bytes) / dt;
      this.#speed = this.#speed === null ? rate : this.#speed * 0.7 + rate * 0.3;
      this.#lastSample = { t: now, bytes: this.bytesDone };
    }
    const speedBps = this.#speed === null ? null : Math.round(this.#speed);
    const left = Math.max(0, this.bytesTotal - this.bytesDone);
    const etaS = speedBps && speedBps > 0 ? Math.round(left / speedBps) : left === 0 ? 0 : null;
    return { speedBps, etaS };
  }
}
