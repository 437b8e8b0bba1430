// Per-call state of downloadFile (download-file.ts): the options with their defaults, and the events and
// byte-level progress it reports.
import { serverWaitMs } from './backoff.ts';
import { canceledError } from './errors.ts';
import { engineAgent, type ClientConfig } from './http-client.ts';
import type { TransferSettings } from './transfer.ts';
import type { EngineOptions, FileEvent, FileTask } from './types.ts';

const MiB = 1024 * 1024;
// files this big are fetched as parallel ranged segments (the scheduler uses it to tell big from small)
export const SEGMENT_THRESHOLD = 64 * MiB;
const DEFAULTS = {
  segmentConnections: 8,
  segmentThreshold: SEGMENT_THRESHOLD,
  segmentSize: 32 * MiB,
  retries: 5,
  stallTimeoutMs: 30_000,
  retryBaseMs: 500,
  retryMaxMs: 30_000,
  rateLimitMaxWaitMs: 5 * 60_000,
  outageTimeoutMs: 24 * 3600_000,
  outageMaxDelayMs: 60_000,
};
// fsync + sidecar this often while bytes flow: what a power loss can cost, in seconds of transfer (a
// crashed process costs next to nothing: its writes are journaled, see sidecar.ts)
const CHECKPOINT_MS = 5_000;

/** Per-call state: options with defaults, event and progress reporting. */
export class FileRun {
  readonly task: FileTask;
  readonly opts: EngineOptions;
  readonly label: string;
  /** bytes reported through onBytes and not taken back */
  reported = 0;
  fetched = 0;
  /** expired download links renewed through the Hub */
  urlRenewals = 0;

  constructor(task: FileTask, opts: EngineOptions) {
    this.task = task;
    this.opts = opts;
    this.label = task.path;
  }

  event(type: FileEvent['type'], message?: string, extra: { attempt?: number; bytes?: number } = {}): void {
    const e: FileEvent = { path: this.task.path, type, ...extra };
    if (message !== undefined) e.message = message;
    try {
      this.opts.onEvent?.(e);
    } catch {
      // a logging callback must not break a download
    }
  }

  bytes(delta: number): void {
    this.reported += delta;
    try {
      this.opts.onBytes?.(this.task.path, delta);
    } catch {
      // same
    }
  }

  /** Takes back everything reported (the bytes were thrown away). */
  discardReported(): void {
    if (this.reported > 0) this.bytes(-this.reported);
  }

  get signal(): AbortSignal | undefined {
    return this.opts.signal;
  }

  checkCanceled(): void {
    if (this.opts.signal?.aborted) throw canceledError(this.label);
  }

  transferSettings(singleConnection: boolean): TransferSettings {
    const o = this.opts;
    const num = (v: number | undefined, d: number, min = 0) => (typeof v === 'number' && Number.isFinite(v) && v >= min ? v : d);
    const segmentSize = Math.floor(num(o.segmentSize, DEFAULTS.segmentSize, 1));
    const threshold = num(o.segmentThreshold, DEFAULTS.segmentThreshold, 1);
    const stallTimeoutMs = num(o.stallTimeoutMs, DEFAULTS.stallTimeoutMs, 1);
    const connections = Math.floor(num(o.segmentConnections, DEFAULTS.segmentConnections, 1));
    const client: ClientConfig = {
      hubOrigin: new URL(o.hubOrigin).origin,
      token: o.token,
      dispatcher: o.dispatcher ?? engineAgent(),
      // D011DL_HTTP_CLIENT=undici: every request through undici, to compare (bench/README.md)
      lean: o.dispatcher === undefined && process.env.D011DL_HTTP_CLIENT !== 'undici',
      userAgent: o.userAgent ?? 'd011dl',
      headersTimeoutMs: Math.max(15_000, 2 * stallTimeoutMs),
      // the stall watchdog normally fires first; this only catches a watchdog that could not
      bodyTimeoutMs: 2 * stallTimeoutMs + 5_000,
      waitFromHeaders: serverWaitMs,
    };
    return {
      label: this.label,
      url: this.task.url,
      size: this.task.size,
      connections: singleConnection || this.task.size < threshold ? 1 : connections,
      segmentSize,
      // small enough that a slow last range gets help, big enough that a new request is worth it
      minSplit: Math.min(MiB, Math.max(64 * 1024, Math.floor(segmentSize / 16))),
      retries: Math.floor(num(o.retries, DEFAULTS.retries)),
      stallTimeoutMs,
      retryBaseMs: num(o.retryBaseMs, DEFAULTS.retryBaseMs),
      retryMaxMs: num(o.retryMaxMs, DEFAULTS.retryMaxMs),
      rateLimitMaxWaitMs: num(o.rateLimitMaxWaitMs, DEFAULTS.rateLimitMaxWaitMs),
      checkpointMs: num(o.checkpointMs, CHECKPOINT_MS, 10),
      outageTimeoutMs: num(o.outageTimeoutMs, DEFAULTS.outageTimeoutMs),
      outageMaxDelayMs: num(o.outageMaxDelayMs, DEFAULTS.outageMaxDelayMs, 1),
      client,
      cancel: o.signal,
      limiter: o.limiter,
      writeOnArrival: o.writeOnArrival !== false,
      onBytes: (delta) => this.bytes(delta),
      onRetry: (message, attempt) => this.event('retry', message, attempt === undefined ? {} : { attempt }),
      onWaiting: (w) => {
        try {
          o.onWaiting?.(this.task.path, w);
        } catch {
          // a progress callback must not break a download
        }
      },
    };
  }
}
