/**
 * Bytes and file counts of one job, with a speed over a sliding window and a steady ETA. Fed by every
 * chunk as it arrives; read by the throttled DB writer.
 */
import type { DownloadWaiting } from '@d011dl/contract';

// Speed is what arrived in this window: long enough to read steadily, short enough to show a stall.
const WINDOW_MS = 10_000;
// below this much history the speed would be noise
const MIN_SPAN_MS = 1_000;
// a job that received bytes this recently is moving, whatever some of its files wait for
const MOVING_MS = 2_000;

export class JobProgress {
  /** everything on disk for this job: skipped, resumed and newly arrived bytes */
  bytesDone = 0;
  bytesTotal: number;
  filesDone = 0;
  filesFailed = 0;
  readonly filesTotal: number;
  readonly fileBytes = new Map<string, number>();
  /** files whose bytes changed since the last takeDirtyFiles() */
  readonly #dirty = new Set<string>();
  /** bytes that arrived over the network in this run: what speed is made of (resumed bytes are not speed) */
  #transferred = 0;
  #samples: Array<{ t: number; bytes: number }> = [];
  #eta: { t: number; s: number } | null = null;
  readonly #waiting = new Map<string, DownloadWaiting>();
  #lastArrival = 0;

  constructor(bytesTotal: number, filesTotal: number) {
    this.bytesTotal = bytesTotal;
    this.filesTotal = filesTotal;
  }

  /** Bytes that arrived (negative: bytes thrown away by a restart). */
  add(fileId: string, delta: number): void {
    this.#count(fileId, delta);
    if (delta > 0) this.#arrived(delta);
  }

  #arrived(bytes: number): void {
    this.#transferred += bytes;
    this.#lastArrival = Date.now();
  }

  /** Bytes that arrived for no one file in particular (the hf CLI engine measures its folder): may go back down. */
  addUnassigned(delta: number): void {
    this.bytesDone = Math.max(0, this.bytesDone + delta);
    if (delta > 0) this.#arrived(delta);
  }

  /** Bytes found on disk (a resumed partial, a finished file): done, but not speed. */
  found(fileId: string, bytes: number): void {
    this.#count(fileId, bytes);
  }

  #count(fileId: string, delta: number): void {
    this.bytesDone = Math.max(0, this.bytesDone + delta);
    this.fileBytes.set(fileId, Math.max(0, (this.fileBytes.get(fileId) ?? 0) + delta));
    this.#dirty.add(fileId);
  }

  /** Per-file byte counts changed since the last call. */
  takeDirtyFiles(): Array<{ id: string; bytes: number }> {
    const out = [...this.#dirty].map((id) => ({ id, bytes: this.fileBytes.get(id) ?? 0 }));
    this.#dirty.clear();
    return out;
  }

  setWaiting(file: string, w: { reason: string; retryAt: number; attempt: number } | null): void {
    if (w) this.#waiting.set(file, { message: w.reason, retry_at: new Date(w.retryAt).toISOString(), attempt: w.attempt });
    else this.#waiting.delete(file);
  }

  /** The job waits for the Hub only while no file of it is moving: the soonest retry of those waiting. */
  waiting(now = Date.now()): DownloadWaiting | null {
    if (now - this.#lastArrival < MOVING_MS) return null;
    let first: DownloadWaiting | null = null;
    for (const w of this.#waiting.values()) if (!first || w.retry_at < first.retry_at) first = w;
    return first;
  }

  sample(now = Date.now()): { speedBps: number | null; etaS: number | null } {
    this.#samples.push({ t: now, bytes: this.#transferred });
    while (this.#samples.length > 2 && now - this.#samples[1]!.t >= WINDOW_MS) this.#samples.shift();
    const first = this.#samples[0]!;
    const span = now - first.t;
    const speedBps = span >= MIN_SPAN_MS ? Math.round(((this.#transferred - first.bytes) * 1000) / span) : null;
    const left = Math.max(0, this.bytesTotal - this.bytesDone);
    let etaS: number | null = left === 0 ? 0 : speedBps ? left / speedBps : null;
    if (etaS !== null && etaS > 0 && this.#eta && now > this.#eta.t) {
      // a steady link gives a steady ETA: from one sample to the next it may halve or double, no more
      const expected = Math.max(1, this.#eta.s - (now - this.#eta.t) / 1000);
      etaS = Math.min(expected * 2, Math.max(expected / 2, etaS));
    }
    this.#eta = etaS === null ? null : { t: now, s: etaS };
    return { speedBps, etaS: etaS === null ? null : Math.round(etaS) };
  }
}
