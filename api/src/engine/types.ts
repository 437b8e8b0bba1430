// Public types of the per-file download engine (imported by the job runner).
import type { Dispatcher } from 'undici';
import type { BandwidthLimiter } from './bandwidth-limiter.ts';

export interface FileTask {
  /** repo path (already validated: no "..", no leading "/", no backslash) */
  path: string;
  /** expected size from the tree at the pinned commit */
  size: number;
  /** expected content SHA-256 (LFS files: tree lfs.oid) */
  sha256?: string | undefined;
  /** expected git blob SHA-1 of the content (regular files: tree oid) */
  gitOid?: string | undefined;
  /** absolute resolve URL at the pinned commit, path segments percent-encoded */
  url: string;
  /** absolute final path (inside the storage root; the caller validated it) */
  dest: string;
  /**
   * the real path of the storage root `dest` must stay under: every folder from it to `dest` is
   * created or checked without following symbolic links (without it, folders are just created)
   */
  root?: string;
}

export type FileEventType = 'start' | 'resume' | 'retry' | 'restart' | 'verified' | 'skipped' | 'done' | 'failed';

/** One log line's worth of what happened to a file. */
export interface FileEvent {
  path: string;
  type: FileEventType;
  message?: string;
  attempt?: number;
  /** 'resume': bytes already on disk; 'done': bytes fetched over the network by this call */
  bytes?: number;
}

export interface EngineOptions {
  /** Authorization is sent only to this origin */
  hubOrigin: string;
  /** HF token: never logged, never sent to another origin */
  token?: string | undefined;
  /** parallel ranged connections for big files (default 8) */
  segmentConnections: number;
  /** files of at least this size are segmented (default 64 MiB) */
  segmentThreshold?: number;
  /** target segment size (default 32 MiB) */
  segmentSize?: number;
  /** retries of a range that keeps failing without progress before the file fails (default 5) */
  retries: number;
  /** no body bytes on a connection for this long → abort it and fetch its range again (default 30 s) */
  stallTimeoutMs: number;
  /** cancel: stop promptly, keep the .partial and its sidecar for a later resume */
  signal?: AbortSignal;
  /**
   * Bytes written by this call, chunk by chunk (for progress and speed). Negative when a restart
   * discards bytes: the sum of all deltas is never below zero. Bytes already on disk when a download
   * resumes are not reported here but in the 'resume' event's `bytes`.
   */
  onBytes?(path: string, delta: number): void;
  onEvent?(e: FileEvent): void;
  /** first retry delay; later ones double, with full jitter (default 500 ms) */
  retryBaseMs?: number;
  /** longest retry delay (default 30 s) */
  retryMaxMs?: number;
  /** longest wait a 429 may impose (default 5 min) */
  rateLimitMaxWaitMs?: number;
  /**
   * after `retries` quick retries, transient failures (network, 5xx, 429, expired links) are waited out
   * until no byte has arrived for this long (default 24 h); only then does the file fail
   */
  outageTimeoutMs?: number;
  /** longest wait between two tries while waiting out an outage (default 60 s) */
  outageMaxDelayMs?: number;
  /** the file waits for the Hub (an outage or a rate limit); null when bytes flow again */
  onWaiting?(path: string, w: { reason: string; retryAt: number; attempt: number } | null): void;
  /** how often written bytes are fsynced and recorded in the sidecar while downloading (default 5 s) */
  checkpointMs?: number;
  /** HTTP dispatcher, e.g. an undici ProxyAgent (default: the engine's shared keep-alive Agent) */
  dispatcher?: Dispatcher;
  /** User-Agent header */
  userAgent?: string;
  /** hash segmented files on the engine's worker thread instead of the event loop (default true) */
  hashThread?: boolean;
  /** a bandwidth limit shared with other downloads (bandwidth-limiter.ts); none: unlimited */
  limiter?: BandwidthLimiter | undefined;
  /**
   * write each chunk as it arrives, on the event loop, while the storage takes writes quickly
   * (write-gate.ts); false: always through staging buffers on libuv's threads (default true)
   */
  writeOnArrival?: boolean;
  /**
   * the scheduler's slot this file holds: handed back once every byte is in, so the next file starts
   * while this one's hash finishes and it is fsynced (schedule.ts); held again if it must fetch more
   */
  slot?: SlotLease | undefined;
}

/** A file's place among the files downloading at once (FileScheduler). Both calls may repeat. */
export interface SlotLease {
  release(): void;
  hold(): Promise<void>;
}

export type FileResult = { status: 'done' | 'skipped'; sha256: string; bytesFetched: number };
