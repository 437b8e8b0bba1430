// The parts of a transfer (transfer.ts) that are plain data and checks: its settings, the range a
// connection owns, and whether an answer continues the bytes already on disk.
import type { BandwidthLimiter } from './bandwidth-limiter.ts';
import { DownloadError } from './errors.ts';
import { HttpFailure, type ClientConfig, type RangeResponse } from './http-client.ts';
import type { ContentMeta } from './partial-file.ts';
import type { ByteRange } from './ranges.ts';

export interface TransferSettings {
  label: string;
  /** the resolve URL on the Hub */
  url: string;
  size: number;
  connections: number;
  segmentSize: number;
  /** a range is split for an idle connection only if both halves get at least this much */
  minSplit: number;
  retries: number;
  stallTimeoutMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  rateLimitMaxWaitMs: number;
  checkpointMs: number;
  /** transient failures (network, 5xx, 429, expired links) are waited out this long without progress */
  outageTimeoutMs: number;
  /** longest wait between two tries while waiting out an outage */
  outageMaxDelayMs: number;
  client: ClientConfig;
  cancel: AbortSignal | undefined;
  onBytes(delta: number): void;
  onRetry(message: string, attempt?: number): void;
  /** the file is waiting for the Hub (null: bytes flow again) */
  onWaiting(w: { reason: string; retryAt: number; attempt: number } | null): void;
  /** the bandwidth limit shared by every connection; none: unlimited */
  limiter?: BandwidthLimiter | undefined;
  /** chunks written as they arrive while the storage is quick (receive.ts) */
  writeOnArrival: boolean;
}

export type TransferOutcome = { kind: 'complete' } | { kind: 'restart'; reason: string; singleConnection: boolean };

/** A range owned by one connection; `end` shrinks when an idle connection takes over its tail. */
export class Slot {
  /** next byte to receive (bytes before it are written or staged for writing) */
  recv: number;
  end: number;
  /** paused by the bandwidth limit, waiting its turn: not a stall */
  throttled = false;
  constructor(start: number, end: number) {
    this.recv = start;
    this.end = end;
  }
}

export class StallAbort extends Error {}

export class ContentChanged extends Error {
  readonly singleConnection: boolean;
  constructor(message: string, singleConnection = false) {
    super(message);
    this.singleConnection = singleConnection;
  }
}

/**
 * Checks that the answer continues the bytes already on disk; returns the Hub's validator to keep.
 * Identity comes from the Hub's own hop (X-Linked-Etag, or the ETag of a file the Hub serves itself); a
 * CDN's ETag is never trusted: the live CDN sends none, or a different one per response (see
 * hubsim/README.md, "live Hub").
 */
export function checkAnswer(
  res: RangeResponse,
  slot: Slot,
  cached: boolean,
  meta: ContentMeta,
  validator: string | undefined,
  s: { label: string; size: number },
): string | undefined {
  if (!cached && meta.identity && res.identity && res.identity !== meta.identity) {
    throw new ContentChanged(`the file changed on the Hub (ETag ${meta.identity} → ${res.identity})`);
  }
  if (validator && res.validator && res.validator !== validator) {
    throw new ContentChanged(`the file changed on the server (ETag ${validator} → ${res.validator})`);
  }
  // after the ETag checks: a changed file restarts first, and only then fails on its new size
  if (res.total !== undefined && res.total !== s.size) {
    throw new DownloadError('IntegrityError', `${s.label}: the server has ${res.total} bytes, the tree at this commit says ${s.size}`, { permanent: true });
  }
  if (res.status === 200 && slot.recv !== 0) {
    throw new ContentChanged('the server ignored the Range header and sent the whole file; continuing over one connection', true);
  }
  if (res.status === 206 && res.start !== slot.recv) {
    throw new HttpFailure('retry', `the server sent bytes from ${res.start} instead of ${slot.recv}`, 206);
  }
  if (!meta.identity && res.identity && !cached) meta.identity = res.identity;
  return validator ?? res.validator;
}

export function errorText(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: string }).code;
    return code && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}

// The last stretch of a file goes out in smaller pieces, so its connections finish together instead of
// one straggling with a whole segment, and little lies ahead of the hash's frontier once every byte is in
// (the hash reads that back before the file can be renamed). Measured in bench/README.md, "Slots and
// checkpoints".
const TAIL_MIN_PIECE = 4 * 1024 * 1024;

/**
 * Bytes for the next range: the segment size until less than two segments per connection are left. A
 * file on one connection arrives in order and has no straggler: its ranges stay whole.
 */
export function tailPiece(pending: readonly ByteRange[], s: Pick<TransferSettings, 'connections' | 'segmentSize'>): number {
  if (s.connections <= 1) return s.segmentSize;
  // counting stops once the tail is out of reach: a 500 GB file has 15,000 segments pending at first
  const reach = 2 * s.connections * s.segmentSize;
  let left = 0;
  for (const [a, b] of pending) {
    left += b - a;
    if (left >= reach) return s.segmentSize;
  }
  const share = Math.floor(left / (2 * s.connections));
  return Math.min(s.segmentSize, Math.max(TAIL_MIN_PIECE, share));
}
