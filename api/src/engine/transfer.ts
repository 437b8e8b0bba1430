// One pass over the missing ranges of a partial file: parallel ranged connections with work stealing,
// stall detection, retries with backoff, 429 waits and detection of content that changed under us.
// A little over 300 lines on purpose: the pass is one state machine (slots, stealing, retry timing),
// read top to bottom; its pure parts already live in transfer-parts.ts and receive.ts.
import { backoffMs, outageDelayMs, sleep } from './backoff.ts';
import { expiresSoon } from './signed-link.ts';
import { canceledError, DownloadError } from './errors.ts';
import type { FileHasher } from './hashing.ts';
import { HttpFailure, openRange, type RangeResponse } from './http-client.ts';
import type { PartialFile } from './partial-file.ts';
import { splitRanges, type ByteRange } from './ranges.ts';
import { receiveBody } from './receive.ts';
import { checkAnswer, ContentChanged, errorText, Slot, StallAbort, tailPiece, type TransferOutcome, type TransferSettings } from './transfer-parts.ts';

export type { TransferOutcome, TransferSettings } from './transfer-parts.ts';

// expired links renewed in a row with no byte received in between: beyond this something else is wrong
const MAX_RENEWALS_WITHOUT_PROGRESS = 5;
// An attempt that delivered at least this much made progress: the retry budget starts over, so a
// flaky link that drops a connection every few hundred MB still finishes a 500 GB file.
const PROGRESS_RESETS_RETRIES = 256 * 1024;

export class Transfer {
  readonly #s: TransferSettings;
  readonly #file: PartialFile;
  readonly #hasher: FileHasher;
  readonly #stop = new AbortController();
  #pending: ByteRange[] = [];
  readonly #active = new Set<Slot>();
  #fatal: DownloadError | undefined;
  #restart: { reason: string; singleConnection: boolean } | undefined;
  /** where the last chain of redirects ended (the CDN): later ranges go straight there */
  #resolvedUrl: string | undefined;
  /** the Hub's own strong ETag of a file it serves itself (regular files), sent back as If-Range to the Hub only */
  #validator: string | undefined;
  #pauseUntil = 0;
  #rateLimitWaits = 0;
  #renewals = 0;
  #lastProgressAt = Date.now();
  #waiting = false;
  /** download links renewed because they expired (not counted as failures) */
  urlRenewals = 0;
  #firstAnswered: Promise<void>;
  #releaseFirst: () => void = () => {};
  #checkpointing = false;
  #lastCheckpoint = -1;
  bytesFetched = 0;

  constructor(settings: TransferSettings, file: PartialFile, hasher: FileHasher) {
    this.#s = settings;
    this.#file = file;
    this.#hasher = hasher;
    this.#firstAnswered = new Promise((resolve) => {
      this.#releaseFirst = resolve;
    });
  }

  /** Fetches every missing range. Throws DownloadError (fatal or canceled); returns 'restart' when the content changed. */
  async run(): Promise<TransferOutcome> {
    const s = this.#s;
    const onCancel = () => this.#stop.abort(new Error('canceled'));
    if (s.cancel?.aborted) onCancel();
    s.cancel?.addEventListener('abort', onCancel, { once: true });
    const timer = setInterval(() => this.#checkpoint(), s.checkpointMs);
    try {
      // a pass normally ends with everything written; looping again only guards against a lost range
      for (let pass = 0; pass < 3 && !this.#stopped && !this.#file.written.covers(s.size); pass++) {
        this.#pending = splitRanges(this.#file.written.missing(s.size), s.segmentSize);
        const lanes = Math.max(1, s.connections);
        await Promise.all(Array.from({ length: lanes }, (_, i) => this.#lane(i)));
      }
    } finally {
      clearInterval(timer);
      s.cancel?.removeEventListener('abort', onCancel);
    }
    if (this.#fatal) throw this.#fatal;
    if (this.#restart) return { kind: 'restart', ...this.#restart };
    if (s.cancel?.aborted) throw canceledError(s.label);
    if (!this.#file.written.covers(s.size)) {
      throw new DownloadError('NetworkError', `${s.label}: ranges are still missing after the download`, { permanent: false });
    }
    return { kind: 'complete' };
  }

  get #stopped(): boolean {
    return this.#stop.signal.aborted;
  }

  async #lane(index: number): Promise<void> {
    try {
      // the first request resolves the download URL alone, so N connections do not all hit the Hub's resolver
      if (index > 0) await this.#firstAnswered;
      for (;;) {
        if (this.#stopped) return;
        const slot = this.#take();
        if (!slot) return;
        this.#active.add(slot);
        try {
          await this.#fetchSlot(slot);
        } finally {
          this.#active.delete(slot);
        }
      }
    } finally {
      if (index === 0) this.#releaseFirst();
    }
  }

  /**
   * The next planned segment, smaller towards the end of the file; when none is left, the back half of
   * the largest range still being fetched.
   */
  #take(): Slot | undefined {
    const next = this.#pending[0];
    if (next) {
      const [start, end] = next;
      const piece = tailPiece(this.#pending, this.#s);
      if (end - start <= piece) {
        this.#pending.shift();
        return new Slot(start, end);
      }
      next[0] = start + piece;
      return new Slot(start, start + piece);
    }
    let victim: Slot | undefined;
    let most = 0;
    for (const slot of this.#active) {
      const left = slot.end - slot.recv;
      if (left > most) {
        most = left;
        victim = slot;
      }
    }
    if (!victim || most < 2 * this.#s.minSplit) return undefined;
    const mid = victim.recv + Math.floor(most / 2);
    const stolen = new Slot(mid, victim.end);
    victim.end = mid;
    return stolen;
  }

  async #fetchSlot(slot: Slot): Promise<void> {
    const s = this.#s;
    let failures = 0;
    while (slot.recv < slot.end && !this.#stopped) {
      await this.#gate();
      if (this.#stopped) return;
      const before = slot.recv;
      let failure: unknown;
      try {
        await this.#streamOnce(slot);
        if (slot.recv > before || slot.recv >= slot.end) continue;
        failure = new HttpFailure('retry', 'the server sent no bytes');
      } catch (err) {
        failure = err;
      }
      if (this.#stopped) return;

      if (failure instanceof DownloadError) return this.#failWith(failure);
      if (failure instanceof ContentChanged) return this.#restartWith(failure.message, failure.singleConnection);
      if (failure instanceof HttpFailure) {
        if (failure.kind === 'permanent') {
          return this.#failWith(
            new DownloadError('HubError', `${s.label}: ${failure.message}`, { permanent: true, ...(failure.status ? { httpStatus: failure.status } : {}) }),
          );
        }
        if (failure.kind === 'unsatisfiable') return this.#restartWith(`${failure.message}: the file changed on the server`, false);
        if (failure.kind === 'rate-limit') {
          this.#rateLimited(failure);
          continue;
        }
        // an expired download link: go back through the Hub for a fresh one; not a failure of the link
        if (failure.kind === 'stale-url') {
          this.#resolvedUrl = undefined;
          if (++this.#renewals <= MAX_RENEWALS_WITHOUT_PROGRESS) {
            this.urlRenewals++;
            s.onRetry(`${failure.message}: the download link expired; asking the Hub for a new one`);
            continue;
          }
        }
      }

      const reason = failure instanceof StallAbort ? `no data for ${s.stallTimeoutMs} ms` : errorText(failure);
      if (slot.recv - before >= PROGRESS_RESETS_RETRIES) failures = 0;
      failures++;
      const serverWait = failure instanceof HttpFailure ? Math.min(failure.waitMs ?? 0, s.rateLimitMaxWaitMs) : 0;
      if (failures > s.retries) {
        // past the quick retries: an outage (router reboot, DSL resync, Hub incident) is waited out
        const quiet = Date.now() - this.#lastProgressAt;
        if (quiet >= s.outageTimeoutMs) {
          const status = failure instanceof HttpFailure ? failure.status : undefined;
          return this.#failWith(
            new DownloadError(
              'NetworkError',
              `${s.label}: giving up after ${s.retries} retries${failures - 1 > s.retries ? ` and ${Math.round(quiet / 1000)} s of waiting for the Hub` : ''}: ${reason}`,
              {
                permanent: false,
                ...(status ? { httpStatus: status } : {}),
              },
            ),
          );
        }
        const left = s.outageTimeoutMs - quiet;
        const wait = Math.min(left, Math.max(outageDelayMs(failures - s.retries, s.retryMaxMs, s.outageMaxDelayMs), serverWait));
        this.#waiting = true;
        s.onWaiting({ reason, retryAt: Date.now() + wait, attempt: failures });
        s.onRetry(`${reason}; waiting for the Hub, try ${failures} in ${Math.round(wait / 1000)} s from byte ${slot.recv}`, failures);
        await sleep(wait, this.#stop.signal);
        continue;
      }
      const wait = Math.max(backoffMs(failures, s.retryBaseMs, s.retryMaxMs), serverWait);
      s.onRetry(`${reason}; retry ${failures}/${s.retries} in ${wait} ms from byte ${slot.recv}`, failures);
      await sleep(wait, this.#stop.signal);
    }
  }

  /** Bytes arrived: the link works (again). */
  #progressed(): void {
    this.#lastProgressAt = Date.now();
    this.#renewals = 0;
    this.#rateLimitWaits = 0;
    if (this.#waiting) {
      this.#waiting = false;
      this.#s.onWaiting(null);
    }
  }

  #rateLimited(failure: HttpFailure): void {
    const s = this.#s;
    this.#rateLimitWaits++;
    // a rate limit is waited out like an outage: it never fails the file by itself
    const wait = Math.min(s.rateLimitMaxWaitMs, failure.waitMs ?? backoffMs(this.#rateLimitWaits + 2, s.retryBaseMs, s.retryMaxMs));
    // every connection of this file waits: hammering a rate limiter only extends it
    const until = Date.now() + wait;
    if (until > this.#pauseUntil) {
      this.#pauseUntil = until;
      this.#waiting = true;
      s.onWaiting({ reason: `${failure.message}`, retryAt: until, attempt: this.#rateLimitWaits });
      s.onRetry(`${failure.message}; waiting ${Math.ceil(wait / 1000)} s as asked`, undefined);
    }
  }

  async #gate(): Promise<void> {
    const ms = this.#pauseUntil - Date.now();
    if (ms > 0) await sleep(ms, this.#stop.signal);
  }

  async #streamOnce(slot: Slot): Promise<void> {
    const s = this.#s;
    const req = new AbortController();
    const onStop = () => req.abort(this.#stop.signal.reason);
    if (this.#stopped) return;
    this.#stop.signal.addEventListener('abort', onStop, { once: true });
    let watchdog: NodeJS.Timeout | undefined;
    try {
      // a signed link about to expire is renewed through the Hub rather than waiting for its 403
      if (this.#resolvedUrl !== undefined && expiresSoon(this.#resolvedUrl)) {
        this.#resolvedUrl = undefined;
        this.urlRenewals++;
      }
      const cached = this.#resolvedUrl !== undefined;
      const ifRange = this.#validator;
      let res: RangeResponse;
      try {
        res = await openRange(
          { url: this.#resolvedUrl ?? s.url, cached, start: slot.recv, end: slot.end, ...(ifRange ? { ifRange } : {}) },
          s.client,
          req.signal,
        );
      } finally {
        this.#releaseFirst();
      }
      // a connection waiting for its turn under the bandwidth limit is not stalled: it is given more time
      watchdog = setTimeout(() => (slot.throttled ? watchdog!.refresh() : req.abort(new StallAbort())), s.stallTimeoutMs);
      try {
        this.#validator = checkAnswer(res, slot, cached, this.#file.meta, this.#validator, s);
      } catch (err) {
        res.body.destroy();
        throw err;
      }
      this.#resolvedUrl = res.finalUrl;
      await receiveBody(res, slot, watchdog, {
        file: this.#file,
        hasher: this.#hasher,
        onArrived: (n) => {
          // progress counts bytes as they arrive, not per write
          s.onBytes(n);
          this.#progressed();
        },
        onWritten: (n) => {
          this.bytesFetched += n;
        },
        limiter: s.limiter,
        writeOnArrival: s.writeOnArrival,
      });
    } catch (err) {
      if (req.signal.reason instanceof StallAbort) throw req.signal.reason;
      throw err;
    } finally {
      clearTimeout(watchdog);
      this.#stop.signal.removeEventListener('abort', onStop);
    }
  }

  #checkpoint(): void {
    if (this.#checkpointing || this.#stopped) return;
    const size = this.#file.written.size();
    if (size === this.#lastCheckpoint) return;
    this.#checkpointing = true;
    this.#file
      .persist()
      .then(
        () => {
          this.#lastCheckpoint = size;
        },
        (err: unknown) => this.#failWith(err instanceof DownloadError ? err : new DownloadError('IOError', String(err), { permanent: true })),
      )
      .finally(() => {
        this.#checkpointing = false;
      });
  }

  // the first cause to stop the pass wins (a cancel, a fatal error or a content change)
  #failWith(err: DownloadError): void {
    if (this.#stopped) return;
    this.#fatal = err;
    this.#stop.abort(err);
  }

  #restartWith(reason: string, singleConnection: boolean): void {
    if (this.#stopped) return;
    this.#restart = { reason, singleConnection };
    this.#stop.abort(new Error(reason));
  }
}
