import { Agent, interceptors, request, type Dispatcher } from 'undici';
import { HttpError } from '../http-errors.ts';
import { serverCredential, type HubCredential } from './hub-credential.ts';
import { hubHttpError, hubNetworkError, type HubErrorContext } from './hub-errors.ts';
import { resolveUrl } from './resolve-url.ts';
import { validateTreeEntries } from './tree-validate.ts';

export interface HubLfs {
  oid: string;
  size: number;
  pointerSize?: number;
}
export interface HubTreeEntry {
  type: 'file' | 'directory';
  path: string;
  size: number;
  oid: string;
  lfs?: HubLfs;
}
export interface HubRef {
  name: string;
  ref: string;
  targetCommit: string;
}
export interface HubRefs {
  branches: HubRef[];
  tags: HubRef[];
  converts: HubRef[];
  pullRequests?: HubRef[];
}
export interface HubRepoInfo {
  id: string;
  sha: string;
  private?: boolean;
  gated?: false | 'auto' | 'manual';
  lastModified?: string;
}

export interface HubClientOptions {
  endpoint: string;
  token: string | undefined;
  timeoutMs: number;
  userAgent: string;
  retries?: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Cursor for our own pagination: the query string of the Hub's `Link: <…>; rel="next"`, opaque to clients. */
export const encodeCursor = (search: string) => Buffer.from(search, 'utf8').toString('base64url');
export function decodeCursor(cursor: string): URLSearchParams {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!text.startsWith('?')) throw new HttpError(400, 'InvalidCursor', 'cursor is not one this server handed out');
  return new URLSearchParams(text);
}

export function nextLink(header: string | string[] | undefined): string | null {
  const value = Array.isArray(header) ? header.join(', ') : header;
  if (!value) return null;
  for (const part of value.split(/,\s*(?=<)/)) {
    const m = /^<([^>]+)>\s*;(.*)$/.exec(part.trim());
    if (m && /\brel="?next"?/.test(m[2]!)) return m[1]!;
  }
  return null;
}

export interface HubWhoami {
  name: string;
  type?: string;
}

/**
 * Metadata calls to the Hub. A token (the server's HF_TOKEN or a user's own) is only ever sent to
 * HF_ENDPOINT's origin: redirects are followed by hand and only within that origin, and pagination
 * links are rebuilt on it. `as(credential)` gives the same client with another token, on the same
 * connection pool.
 */
export function createHubClient(opts: HubClientOptions) {
  const origin = new URL(opts.endpoint).origin;
  const dispatcher: Dispatcher = new Agent({
    headersTimeout: opts.timeoutMs,
    bodyTimeout: opts.timeoutMs,
    connect: { timeout: Math.min(opts.timeoutMs, 10_000) },
  }).compose(
    interceptors.retry({
      maxRetries: opts.retries ?? 3,
      minTimeout: 500,
      maxTimeout: 15_000,
      timeoutFactor: 2,
      statusCodes: [429, 500, 502, 503, 504],
      methods: ['GET', 'HEAD'],
      // hand back the last answer so it is mapped to a clear error, not a bare exception
      throwOnError: false,
    }),
  );
  const webUrl = opts.endpoint;
  const close = () => dispatcher.close();
  const baseHeaders = (token: string | undefined): Record<string, string> => ({
    accept: 'application/json',
    'user-agent': opts.userAgent,
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  });

  /**
   * Who a token belongs to (GET /api/whoami-v2). Null when the Hub refuses the token (401); other
   * failures throw the usual mapped errors.
   */
  async function whoami(token: string): Promise<HubWhoami | null> {
    let res: Dispatcher.ResponseData;
    try {
      res = await request(`${opts.endpoint}/api/whoami-v2`, { method: 'GET', headers: baseHeaders(token), dispatcher });
    } catch (err) {
      throw hubNetworkError(err, opts.endpoint);
    }
    if (res.statusCode === 401 || res.statusCode === 403) {
      await res.body.dump();
      return null;
    }
    if (res.statusCode >= 400) {
      await res.body.dump();
      throw hubHttpError(res.statusCode, res.headers, { repoId: 'whoami-v2', hubWebUrl: webUrl, cred: { token, owner: 'user' } });
    }
    const body = (await res.body.json().catch(() => null)) as { name?: unknown; type?: unknown } | null;
    if (!body || typeof body.name !== 'string' || !body.name) throw new HttpError(502, 'HubUnavailable', 'Hugging Face did not say whose token this is');
    return { name: body.name, ...(typeof body.type === 'string' ? { type: body.type } : {}) };
  }

  return bind(serverCredential(opts.token));

  function bind(cred: HubCredential): HubClient {
    const headers = baseHeaders(cred.token);

    async function getJson<T>(
      pathAndQuery: string,
      ctx: Omit<HubErrorContext, 'hubWebUrl' | 'cred'>,
    ): Promise<{ body: T; headers: Dispatcher.ResponseData['headers'] }> {
      let url = opts.endpoint + pathAndQuery;
      const errCtx: HubErrorContext = { ...ctx, hubWebUrl: webUrl, cred };
      for (let hop = 0; hop < 5; hop++) {
        let res: Dispatcher.ResponseData;
        try {
          res = await request(url, { method: 'GET', headers, dispatcher });
        } catch (err) {
          throw hubNetworkError(err, opts.endpoint);
        }
        if (REDIRECTS.has(res.statusCode) && res.headers.location) {
          await res.body.dump();
          const next = new URL(String(res.headers.location), url);
          if (next.origin !== origin) throw new HttpError(502, 'HubUnavailable', `Hugging Face redirected an API call to another host (${next.host})`);
          url = next.href;
          continue;
        }
        if (res.statusCode >= 400) {
          await res.body.dump();
          throw hubHttpError(res.statusCode, res.headers, errCtx);
        }
        try {
          return { body: (await res.body.json()) as T, headers: res.headers };
        } catch {
          throw new HttpError(502, 'HubUnavailable', 'Hugging Face sent a response that is not JSON');
        }
      }
      throw new HttpError(502, 'HubUnavailable', 'Hugging Face redirected too many times');
    }

    const repoPath = (author: string, repo: string) => `/api/models/${encodeURIComponent(author)}/${encodeURIComponent(repo)}`;

    return {
      endpoint: opts.endpoint,

      async repoInfo(author: string, repo: string, revision?: string): Promise<HubRepoInfo> {
        const rev = revision ? `/revision/${encodeURIComponent(revision)}` : '';
        const { body } = await getJson<HubRepoInfo>(`${repoPath(author, repo)}${rev}`, { repoId: `${author}/${repo}`, revision });
        return body;
      },

      async refs(author: string, repo: string, includePrs: boolean): Promise<HubRefs> {
        const { body } = await getJson<HubRefs>(`${repoPath(author, repo)}/refs${includePrs ? '?include_prs=1' : ''}`, { repoId: `${author}/${repo}` });
        return body;
      },

      async treePage(
        author: string,
        repo: string,
        revision: string,
        p: { path?: string | undefined; recursive: boolean; cursor?: string | undefined },
      ): Promise<{ entries: HubTreeEntry[]; nextCursor: string | null }> {
        const sub = p.path ? `/${encodeURIComponent(p.path)}` : '';
        const query = p.cursor ? decodeCursor(p.cursor) : new URLSearchParams({ recursive: String(p.recursive), expand: 'false' });
        const { body, headers: h } = await getJson<HubTreeEntry[]>(`${repoPath(author, repo)}/tree/${encodeURIComponent(revision)}${sub}?${query}`, {
          repoId: `${author}/${repo}`,
          revision,
          path: p.path,
        });
        if (!Array.isArray(body)) throw new HttpError(502, 'HubUnavailable', 'Hugging Face sent a tree listing that is not a list');
        const next = nextLink(h.link);
        return { entries: validateTreeEntries(body), nextCursor: next ? encodeCursor(new URL(next, opts.endpoint).search) : null };
      },

      /**
       * HEAD of a file's download URL, without following the redirect: enough to learn whether the
       * server's token may read the repo's files (gated repos list publicly but refuse the files).
       */
      async checkFileAccess(author: string, repo: string, revision: string, path: string): Promise<void> {
        const url = resolveUrl(opts.endpoint, author, repo, revision, path);
        let res: Dispatcher.ResponseData;
        try {
          res = await request(url, { method: 'HEAD', headers, dispatcher });
        } catch (err) {
          throw hubNetworkError(err, opts.endpoint);
        }
        await res.body.dump();
        if (res.statusCode >= 400) throw hubHttpError(res.statusCode, res.headers, { repoId: `${author}/${repo}`, revision, path, hubWebUrl: webUrl, cred });
      },

      /** whose token this client sends */
      credential: cred,
      /** the same client (and connection pool) sending another credential's token */
      as: bind,
      whoami,

      async close(): Promise<void> {
        await close();
      },
    };
  }
}

export interface HubClient {
  endpoint: string;
  /** whose token this client sends */
  credential: HubCredential;
  repoInfo(author: string, repo: string, revision?: string): Promise<HubRepoInfo>;
  refs(author: string, repo: string, includePrs: boolean): Promise<HubRefs>;
  treePage(
    author: string,
    repo: string,
    revision: string,
    p: { path?: string | undefined; recursive: boolean; cursor?: string | undefined },
  ): Promise<{ entries: HubTreeEntry[]; nextCursor: string | null }>;
  checkFileAccess(author: string, repo: string, revision: string, path: string): Promise<void>;
  /** the same client (and connection pool) sending another credential's token */
  as(cred: HubCredential): HubClient;
  whoami(token: string): Promise<HubWhoami | null>;
  /** closes the pool shared by every `as()` of this client */
  close(): Promise<void>;
}
