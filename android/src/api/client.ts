// The one module that talks to the D011DL API. Screens (and the Node contract test) use it;
// request/response shapes come from @d011dl/contract, never re-declared here.
import {
  ApiErrorSchema,
  BandwidthStatusSchema,
  BatchDownloadResponseSchema,
  CreateDownloadResponseSchema,
  DownloadFilesResponseSchema,
  DownloadSchema,
  LoginResponseSchema,
  ModelsResponseSchema,
  ParsedHfUrlSchema,
  RefsResponseSchema,
  TokenPairSchema,
  TreeResponseSchema,
  UserSchema,
  type BatchDownloadRequest,
  type BatchDownloadResponse,
  type CreateDownloadRequest,
  type CreateDownloadResponse,
  type Download,
  type DownloadFilesResponse,
  type LoginResponse,
  type ModelsQuery,
  type ModelsResponse,
  type ParsedHfUrl,
  type RefsResponse,
  type TreeQuery,
  type TreeResponse,
  type User,
} from '@d011dl/contract';
import type { z } from 'zod';
import { KEYS, type KeyValueStore } from './keys.ts';

export class ApiRequestError extends Error {
  readonly status: number;
  /** stable machine code from the API ("GatedRepo", "AlreadyDownloaded"…), or "Unreachable" */
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiRequestError';
    this.status = status;
    this.code = code;
  }
}

export interface ApiClientOptions {
  store: KeyValueStore;
  fetch?: typeof fetch;
  /** called when the session is gone (a 401 that one refresh could not fix) */
  onAuthLost?: () => void;
}

type Query = Record<string, string | number | boolean | undefined>;

export function normalizeBaseUrl(input: string): string {
  let url = input.trim().replace(/\/+$/, '');
  if (url && !/^https?:\/\//i.test(url)) url = `http://${url}`;
  return url;
}

export class ApiClient {
  private baseUrl = '';
  private token: string | null = null;
  private refreshToken: string | null = null;
  private refreshing: Promise<boolean> | null = null;
  private readonly fetchImpl: typeof fetch;
  private readonly opts: ApiClientOptions;

  constructor(opts: ApiClientOptions) {
    this.opts = opts;
    this.fetchImpl = opts.fetch ?? ((...args) => fetch(...args));
  }

  /** Load base URL and tokens from the store; true when there is a session to try. */
  async restore(): Promise<boolean> {
    const [b, t, r] = await Promise.all([
      this.opts.store.get(KEYS.baseUrl),
      this.opts.store.get(KEYS.token),
      this.opts.store.get(KEYS.refreshToken),
    ]);
    this.baseUrl = b ?? '';
    this.token = t;
    this.refreshToken = r;
    return Boolean(this.baseUrl && this.refreshToken);
  }

  getBaseUrl(): string {
    return this.baseUrl;
  }

  async setBaseUrl(url: string): Promise<void> {
    this.baseUrl = normalizeBaseUrl(url);
    await this.opts.store.set(KEYS.baseUrl, this.baseUrl);
  }

  isSignedIn(): boolean {
    return this.token !== null;
  }

  async login(username: string, password: string): Promise<LoginResponse> {
    const res = await this.request('POST', '/auth/login', { body: { username, password }, auth: false }, LoginResponseSchema);
    await this.saveTokens(res.token, res.refresh_token);
    return res;
  }

  async logout(): Promise<void> {
    const refresh = this.refreshToken;
    await this.clearTokens();
    if (refresh) {
      await this.request('POST', '/auth/logout', { body: { refresh_token: refresh }, auth: false }).catch(() => undefined);
    }
  }

  me(): Promise<User> {
    return this.request('GET', '/auth/me', {}, UserSchema);
  }

  parseUrl(url: string): Promise<ParsedHfUrl> {
    return this.request('POST', '/hf/parse-url', { body: { url } }, ParsedHfUrlSchema);
  }

  refs(author: string, repo: string): Promise<RefsResponse> {
    // pull requests too: a PR's files can be browsed and downloaded at refs/pr/N
    return this.request('GET', '/hf/refs', { query: { author, repo, include_prs: 'true' } }, RefsResponseSchema);
  }

  tree(q: TreeQuery): Promise<TreeResponse> {
    return this.request('GET', '/hf/tree', { query: q as Query }, TreeResponseSchema);
  }

  createDownload(req: CreateDownloadRequest): Promise<CreateDownloadResponse> {
    return this.request('POST', '/downloads', { body: req }, CreateDownloadResponseSchema);
  }

  /** The same selection at several revisions, one job each, queued together or not at all. */
  createBatch(req: BatchDownloadRequest): Promise<BatchDownloadResponse> {
    return this.request('POST', '/downloads/batch', { body: req }, BatchDownloadResponseSchema);
  }

  download(id: string): Promise<Download> {
    return this.request('GET', `/downloads/${encodeURIComponent(id)}`, {}, DownloadSchema);
  }

  downloadFiles(id: string): Promise<DownloadFilesResponse> {
    return this.request('GET', `/downloads/${encodeURIComponent(id)}/files`, {}, DownloadFilesResponseSchema);
  }

  /** The bandwidth limit downloads share now, and until when (administrators set it). */
  bandwidth(): Promise<z.infer<typeof BandwidthStatusSchema>> {
    return this.request('GET', '/bandwidth', {}, BandwidthStatusSchema);
  }

  cancelDownload(id: string): Promise<unknown> {
    return this.request('POST', `/downloads/${encodeURIComponent(id)}/cancel`, {});
  }

  retryDownload(id: string): Promise<unknown> {
    return this.request('POST', `/downloads/${encodeURIComponent(id)}/retry`, {});
  }

  models(q: ModelsQuery = {}): Promise<ModelsResponse> {
    return this.request('GET', '/db/models', { query: q as Query }, ModelsResponseSchema);
  }

  // --- plumbing -------------------------------------------------------------------------------

  private async saveTokens(token: string, refresh: string): Promise<void> {
    this.token = token;
    this.refreshToken = refresh;
    await Promise.all([this.opts.store.set(KEYS.token, token), this.opts.store.set(KEYS.refreshToken, refresh)]);
  }

  private async clearTokens(): Promise<void> {
    this.token = null;
    this.refreshToken = null;
    await Promise.all([this.opts.store.remove(KEYS.token), this.opts.store.remove(KEYS.refreshToken)]);
  }

  /** One refresh at a time, shared by every request that got a 401. */
  private refresh(): Promise<boolean> {
    if (!this.refreshing) {
      this.refreshing = (async () => {
        if (!this.refreshToken) return false;
        try {
          const pair = await this.request('POST', '/auth/refresh', { body: { refresh_token: this.refreshToken }, auth: false }, TokenPairSchema);
          await this.saveTokens(pair.token, pair.refresh_token);
          return true;
        } catch {
          return false;
        }
      })().finally(() => {
        this.refreshing = null;
      });
    }
    return this.refreshing;
  }

  private url(path: string, query?: Query): string {
    if (!this.baseUrl) throw new ApiRequestError(0, 'NoServer', 'Enter the server address first.');
    const qs = Object.entries(query ?? {})
      .filter(([, v]) => v !== undefined && v !== '')
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
      .join('&');
    return `${this.baseUrl}${path}${qs ? `?${qs}` : ''}`;
  }

  async request<S extends z.ZodType>(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    opts: { query?: Query; body?: unknown; auth?: boolean },
    schema?: S,
  ): Promise<z.infer<S>> {
    const auth = opts.auth !== false;
    const send = async (): Promise<Response> => {
      const headers: Record<string, string> = { Accept: 'application/json' };
      if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
      // the only place the Authorization header is added
      if (auth && this.token) headers.Authorization = `Bearer ${this.token}`;
      try {
        return await this.fetchImpl(this.url(path, opts.query), {
          method,
          headers,
          body: opts.body === undefined ? null : JSON.stringify(opts.body),
        });
      } catch (e) {
        if (e instanceof ApiRequestError) throw e;
        throw new ApiRequestError(0, 'Unreachable', `Cannot reach the server at ${this.baseUrl}. Check the address and your connection.`);
      }
    };

    let res = await send();
    if (res.status === 401 && auth) {
      if (await this.refresh()) res = await send();
      if (res.status === 401) {
        await this.clearTokens();
        this.opts.onAuthLost?.();
        throw new ApiRequestError(401, 'Unauthorized', 'Your session has expired. Please sign in again.');
      }
    }

    const text = await res.text();
    let json: unknown = undefined;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const err = ApiErrorSchema.safeParse(json);
      if (err.success) throw new ApiRequestError(res.status, err.data.error, err.data.message);
      throw new ApiRequestError(res.status, 'HttpError', `The server answered ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`);
    }
    if (!schema) return json as z.infer<S>;
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new ApiRequestError(res.status, 'BadResponse', `Unexpected answer from ${path}; is ${this.baseUrl} a D011DL server?`);
    }
    return parsed.data;
  }
}

/** The message to show for any error thrown by the client. */
export function errorMessage(e: unknown): string {
  if (e instanceof ApiRequestError) {
    if (e.code === 'Unauthorized' && e.status === 401) return e.message;
    return e.message;
  }
  return e instanceof Error ? e.message : String(e);
}

// --- further endpoints (standalone, so the class above stays as it is) ---------------------------
// (imports hoist: these sit with the functions that use them)
import {
  DownloadsResponseSchema,
  ModelFilesResponseSchema,
  RescanResponseSchema,
  type ModelFile,
  type RescanResponse,
} from '@d011dl/contract';

/** GET /downloads: the user's downloads, newest first. */
export function listDownloads(client: ApiClient): Promise<Download[]> {
  return client.request('GET', '/downloads', {}, DownloadsResponseSchema).then((r) => r.downloads);
}

/** GET /db/models/:id/files: the files the catalog tracks for a revision. */
export function modelFiles(client: ApiClient, modelId: string): Promise<ModelFile[]> {
  return client.request('GET', `/db/models/${encodeURIComponent(modelId)}/files`, {}, ModelFilesResponseSchema).then((r) => r.files);
}

/** POST /db/rescan: compare the catalog of a revision with the disk. */
export function rescanModel(client: ApiClient, modelId: string): Promise<RescanResponse> {
  return client.request('POST', '/db/rescan', { body: { model_id: modelId } }, RescanResponseSchema);
}

import { RepoInfoSchema, type RepoInfo } from '@d011dl/contract';

/** GET /hf/repo-info: whether a repo is gated or private, and where to ask for access. */
export function repoInfo(client: ApiClient, author: string, repo: string): Promise<RepoInfo> {
  return client.request('GET', '/hf/repo-info', { query: { author, repo } }, RepoInfoSchema);
}
