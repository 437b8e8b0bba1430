import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultState } from './faults.ts';
import type { LiveState } from './live.ts';
import type { UrlSigner } from './signed-url.ts';
import type { RequestUrl } from './http-util.ts';
import type { RepoStore } from './repo-store.ts';
import type { StatsCollector } from './stats.ts';
import type { RequestRecord } from './types.ts';

/** State shared by both servers of one simulator instance. */
export interface SimState {
  store: RepoStore;
  faults: FaultState;
  live: LiveState;
  signer: UrlSigner;
  stats: StatsCollector;
  cdnUrl: string;
  pageSize: number;
}

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: RequestUrl;
  /** decoded path (+ "?" + decoded query): what fault rules' `match` is tested against */
  matchText: string;
  record: RequestRecord;
  sim: SimState;
  /** aborted when the response closes (finished, or the client went away) */
  signal: AbortSignal;
}

export interface HubError {
  status: number;
  message: string;
  code?: string;
  headers?: Record<string, string>;
}
