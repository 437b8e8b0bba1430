// Public types of the Hugging Face Hub simulator: catalog config, fault knobs, stats, handle.

/** Bytes as a number, or a string with a unit: "3MiB", "512 MiB", "4GiB", "25MB" (decimal), "64KiB". */
export type SizeSpec = number | string;

/**
 * A file in a commit.
 * - a string or `{text}`: a regular git file with that literal content
 * - `{base64}`: a regular git file with binary content
 * - `{lfs: {size, seed?}}`: an LFS file whose bytes are generated deterministically from the seed
 *   (default seed: "<repoType>:<repoId>:<path>"), so multi-GB files cost no disk
 */
export type FileSpec = string | { text: string } | { base64: string } | { lfs: { size: SizeSpec; seed?: string } };

/**
 * Many generated files in one go. Templates accept `{i}` (index), `{i:4}` (zero-padded),
 * `{i/100}` (integer division), `{i/100%10}`, `{i%10}`, and `{n}` = i + 1 with the same modifiers; e.g. "data/{i/1000}/{i/100%10}/item-{i:4}.txt".
 */
export interface GeneratedFilesSpec {
  count: number;
  path: string;
  /** content template for regular files (default "{path}\n") */
  text?: string;
  /** when set, the files are LFS files of this size instead of regular text files */
  lfsSize?: SizeSpec;
}

export interface CommitSpec {
  /** label used by `parent` and `refs`, local to the repo (the real commit sha is derived) */
  id: string;
  /** label of the parent commit; default: the previous commit in the list (none for the first) */
  parent?: string | null;
  title?: string;
  /** ISO date ending in Z; default: derived from the commit's position */
  date?: string;
  /** changes relative to the parent; `null` deletes the path */
  files?: Record<string, FileSpec | null>;
  generate?: GeneratedFilesSpec[];
}

export interface RepoSpec {
  /** "namespace/name" */
  id: string;
  type?: 'model' | 'dataset';
  private?: boolean;
  gated?: false | 'auto' | 'manual';
  /** users who can read the repo when private, and who bypass gating */
  collaborators?: string[];
  /** users whose access request to a gated repo was approved */
  gatedApproved?: string[];
  /** repo tags as shown in the metadata (not git tags; those are `refs.tags`) */
  tags?: string[];
  downloads?: number;
  likes?: number;
  pipelineTag?: string;
  libraryName?: string;
  createdAt?: string;
  commits: CommitSpec[];
  refs: {
    /** branch name → commit label; must contain "main" */
    branches: Record<string, string>;
    tags?: Record<string, string>;
    /** PR number → commit label (served as refs/pr/<n>) */
    pullRequests?: Record<string, string>;
  };
}

export interface CatalogConfig {
  /** access token (must start with "hf_") → user name */
  tokens: Record<string, string>;
  repos: RepoSpec[];
  /** in a JSON catalog file: also include the default catalog's tokens and repos */
  extendsDefault?: boolean;
}

export interface FaultRule {
  kind: 'status' | 'reset' | 'truncate' | 'stall';
  /**
   * Substring of the decoded request path (plus "?" and the decoded query, if any).
   * Default: every file body GET (resolve, resolve-cache, raw and CDN).
   */
  match?: string;
  /** how many matching requests it hits (default 1), then it is spent */
  count?: number;
  /** for 'status' */
  status?: number;
  /** for 429: Retry-After seconds (default 1) */
  retryAfter?: number;
  /** for reset/truncate/stall: body bytes sent first (default: half the body) */
  afterBytes?: number;
  /** for 'stall': pause length (default: forever, until the client gives up) */
  stallMs?: number;
}

/** An outage from the moment it is set: the server(s) refuse connections, drop them, or answer 503. */
export interface OutageSpec {
  /** how long it lasts */
  seconds: number;
  /**
   * refuse: stop listening (ECONNREFUSED) and drop open connections; drop: accept, then close at once;
   * 503: answer every request (not /_sim) with 503. Default: refuse.
   */
  mode?: 'refuse' | 'drop' | '503';
  /** default: both */
  server?: 'hub' | 'cdn' | 'both';
}

export interface Faults {
  /** bytes/s cap per connection for file bodies */
  bandwidthPerConn?: number;
  /** bytes/s total across all connections for file bodies (shared token bucket) */
  linkBandwidth?: number;
  /** delay before response headers, every request (not /_sim) */
  latencyMs?: number;
  rules?: FaultRule[];
  /** set: starts now (replacing any running one); null ends it; get(): what is left of it */
  outage?: OutageSpec | null;
}

export interface FaultControl {
  /** replace the whole fault configuration */
  set(faults: Faults): void;
  /** change only the given knobs (`rules`, when given, replaces the rule list) */
  update(faults: Faults): void;
  /** append one rule */
  addRule(rule: FaultRule): void;
  /** back to no faults */
  reset(): void;
  /** current configuration; rules show their remaining count */
  get(): Faults;
}

export type CdnEtagMode = 'none' | 'per-response' | 'stable';
export type SignedUrlStyle = 'amz' | 'cloudfront' | 'both' | 'off';

/** Requests per window in each bucket. */
export interface BucketQuotas {
  /** /api/* (tree pages, paths-info, repo info, refs, auth-check; not /api/resolve-cache) */
  api: number;
  /** /{repo}/resolve/* (HEAD and GET) */
  resolvers: number;
}

export interface RateLimitSettings {
  windowSeconds: number;
  /** per client IP */
  anonymous: BucketQuotas;
  /** per client IP and user, for requests with a valid token */
  user: BucketQuotas;
}

/** How closely the simulator copies the live Hub (`/work/shared/reference/hf-live-hub-2026.md`). */
export interface LiveSettings {
  /** the CDN's own ETag: absent, random on every response, or the sha256 (default: stable, for now) */
  cdnEtag: CdnEtagMode;
  /** how LFS redirect URLs are signed (default: both, like a captured live 302) */
  signedUrls: SignedUrlStyle;
  /** signed URL lifetime (default 3600) */
  urlTtlSeconds: number;
  /** fixed-window quotas; true in options means the live ones (startHubSim default: off; CLI default: live) */
  rateLimits: RateLimitSettings | false;
  /** gzip regular files of this size range when the client accepts gzip (default 1,000–10,000,000 B) */
  gzip: { minSize: number; maxSize: number } | false;
  /** a non-ranged CDN GET of a larger file answers 400 (default 50 GB) */
  maxPlainGetSize: number | false;
  /** the CDN refuses larger files with 400, ranged or not (default 200 GB) */
  bridgeMaxSize: number | false;
}

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> | false | null : T[K] | null };

/** Sizes may be given as SizeSpec; `rateLimits`/`gzip` accept true (defaults), false/null (off) or a partial object. */
export type LiveOptions = Omit<DeepPartial<LiveSettings>, 'maxPlainGetSize' | 'bridgeMaxSize' | 'rateLimits' | 'gzip'> & {
  rateLimits?: DeepPartial<RateLimitSettings> | boolean | null;
  gzip?: { minSize?: SizeSpec; maxSize?: SizeSpec } | boolean | null;
  maxPlainGetSize?: SizeSpec | false | null;
  bridgeMaxSize?: SizeSpec | false | null;
};

export interface LiveControl {
  /** the start configuration (defaults + StartOptions.live), then these changes */
  set(options: LiveOptions): void;
  /** change only the given settings (nested objects are merged) */
  update(options: LiveOptions): void;
  /** back to the start configuration */
  reset(): void;
  get(): LiveSettings;
  /** forget every client's rate-limit window */
  resetRateLimits(): void;
}

export interface RequestRecord {
  server: 'hub' | 'cdn';
  method: string;
  /** decoded path, without the query */
  path: string;
  /** the raw request target as sent by the client */
  url: string;
  status: number;
  /** body bytes written (for broken bodies: what was written before the break) */
  bytes: number;
  range?: string;
  /** whether an Authorization header was sent */
  auth?: boolean;
  /** set when the body was sent Content-Encoding: gzip */
  encoding?: 'gzip';
  /** the fault rule kind that hit this request, if any */
  fault?: FaultRule['kind'] | 'outage';
}

export interface SimStats {
  requests: RequestRecord[];
  bytesServed(): number;
  reset(): void;
}

export interface StartOptions {
  /** hub port (default: any free port) */
  port?: number;
  /** CDN port (default: any free port) */
  cdnPort?: number;
  catalog?: CatalogConfig;
  /** where LFS sha256 results of big files are cached (default: os.tmpdir()/d011dl-hubsim-cache) */
  cacheDir?: string;
  /** tree page size (default 1000; with expand=true: min(50, pageSize)) */
  pageSize?: number;
  /** bind address for both servers instead of loopback (e.g. "0.0.0.0" inside a container) */
  host?: string;
  /** initial fault configuration */
  faults?: Faults;
  /** live-Hub behaviours, on top of the defaults (see LiveSettings) */
  live?: LiveOptions;
}

/** What a file at a revision should contain, for tests that verify downloads. */
export interface ExpectedFile {
  path: string;
  size: number;
  /** git blob sha1 (of the LFS pointer for LFS files) */
  oid: string;
  /** sha256 of the content (LFS files only) */
  sha256?: string;
  lfs: boolean;
}

export interface HubSim {
  /** hub endpoint, e.g. http://localhost:PORT */
  url: string;
  /** LFS CDN, e.g. http://127.0.0.1:PORT2 (a different hostname, so clients strip Authorization) */
  cdnUrl: string;
  faults: FaultControl;
  live: LiveControl;
  stats: SimStats;
  /** change the content (and so etag/sha) of a file in place, at the same commit(s) */
  mutateFile(repoId: string, path: string, newSeed?: string, revision?: string): void;
  /**
   * add a commit on a branch (creating the branch from main if needed); returns the new commit sha.
   * `text: null` removes the file; `files` (instead of path/text): files to add or replace, and `null` for files to remove.
   */
  advanceBranch(repoId: string, branch: string, change?: { path?: string; text?: string | null; files?: Record<string, FileSpec | null> }): string;
  /** full commit sha a revision resolves to (throws on unknown repo/revision) */
  commitSha(repoId: string, revision?: string): string;
  /** every file at a revision (hashes computed if needed) */
  expectedFiles(repoId: string, revision?: string): Promise<ExpectedFile[]>;
  /** the exact bytes a download of a file must produce (loads the whole file in memory) */
  fileBytes(repoId: string, revision: string, path: string): Promise<Buffer>;
  close(): Promise<void>;
}
