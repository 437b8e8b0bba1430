// The portal's only way to the API: HTTP with the user's bearer token from the session cookies.
// A 401 TokenExpired is answered by one refresh (POST /auth/refresh) and one retry.
import type { Request, Response } from 'express';
import { TokenPairSchema, type ApiError as ApiErrorBody, type TokenPair } from '@d011dl/contract';
import type { z } from 'zod';

export const ACCESS_COOKIE = 'd011dl_at';
export const REFRESH_COOKIE = 'd011dl_rt';
const COOKIE_MAX_AGE_MS = 30 * 24 * 3600 * 1000;

/** A non-2xx answer of the API; `message` is meant for the person reading the screen. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** The session is gone (no cookies, or the refresh token was refused): sign in again. */
export class NeedLogin extends Error {}

/**
 * The request came with a refresh token this portal has just rotated: another request of the same
 * browser renewed the session a moment ago and its answer carries the new cookies. Ask the browser to
 * send the request again (307 keeps the method and the form), now with those cookies.
 */
export class SessionJustRenewed extends Error {}

/** The header with which the API recognises the portal (PORTAL_SECRET); see api/src/plugins/portal-secret.ts. */
export const PORTAL_SECRET_HEADER = 'x-d011dl-portal-secret';

export function setSessionCookies(req: Request, res: Response, pair: Pick<TokenPair, 'token' | 'refresh_token'>): void {
  const opts = { httpOnly: true, sameSite: 'lax' as const, secure: req.secure, path: '/', maxAge: COOKIE_MAX_AGE_MS };
  res.cookie(ACCESS_COOKIE, pair.token, opts);
  res.cookie(REFRESH_COOKIE, pair.refresh_token, opts);
  // Later calls in this same request must use the new pair.
  req.cookies[ACCESS_COOKIE] = pair.token;
  req.cookies[REFRESH_COOKIE] = pair.refresh_token;
}

export function clearSessionCookies(req: Request, res: Response): void {
  const opts = { httpOnly: true, sameSite: 'lax' as const, secure: req.secure, path: '/' };
  res.clearCookie(ACCESS_COOKIE, opts);
  res.clearCookie(REFRESH_COOKIE, opts);
}

/**
 * The browser's address as the API should see it. The API trusts this header only from addresses in
 * its TRUST_PROXY (in Docker: the portal), so its sign-in rate limits count per browser, not per portal.
 */
export function forwardedFor(req: Request | undefined): Record<string, string> {
  return req?.ip ? { 'x-forwarded-for': req.ip } : {};
}

/**
 * Every answer is parsed with the contract's schema of that route (as the Android client does in
 * android/src/api/client.ts), so a change of shape on one side fails loudly instead of rendering blanks.
 */
export interface ApiClient {
  /** Unauthenticated call (login, register, config); `from` is the browser's request, for its address. */
  anon<S extends z.ZodType>(method: string, path: string, schema: S, body?: unknown, from?: Request): Promise<z.output<S>>;
  /** Call as the signed-in user; refreshes the session when the access token expired. */
  call<S extends z.ZodType>(req: Request, res: Response, method: string, path: string, schema: S, body?: unknown): Promise<z.output<S>>;
}

function parseAnswer<S extends z.ZodType>(schema: S, path: string, json: unknown): z.output<S> {
  const parsed = schema.safeParse(json);
  if (!parsed.success)
    throw new ApiError(
      502,
      'BadResponse',
      `The D011DL API gave an answer to ${path.replace(/\?.*$/s, '')} that this portal does not understand; are the API and the portal the same version?`,
    );
  return parsed.data;
}

export interface ApiClientOptions {
  timeoutMs?: number;
  /** Sent to the API with every request, so it believes the browsers' addresses (X-Forwarded-For). */
  portalSecret?: string | undefined;
}

// How long a rotated refresh token is remembered (see SessionJustRenewed), and how long a request
// with it waits for the answer that carries the new cookies.
const ROTATED_MEMORY_MS = 30_000;
const ROTATED_WAIT_MS = 10_000;

export function createApiClient(baseUrl: string, options: ApiClientOptions = {}): ApiClient {
  const base = baseUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 30_000;
  const secretHeader: Record<string, string> = options.portalSecret ? { [PORTAL_SECRET_HEADER]: options.portalSecret } : {};
  // Refresh tokens rotate on every use: parallel requests of one browser (page + progress poll) must
  // share one refresh instead of racing and invalidating each other. Only while it is in flight: a
  // result kept afterwards would hand the new pair to anyone replaying the old token (issue 11).
  const refreshing = new Map<string, Promise<TokenPair>>();
  // Old refresh token → settles once the answer carrying its successor is on its way. Holds no tokens.
  const rotated = new Map<string, Promise<void>>();

  async function raw(method: string, path: string, body: unknown, from: Request | undefined, token?: string): Promise<{ status: number; json: unknown }> {
    const headers: Record<string, string> = { accept: 'application/json', ...secretHeader, ...forwardedFor(from) };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    let res: globalThis.Response;
    try {
      res = await fetch(base + path, { method, headers, body: body === undefined ? null : JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) });
    } catch {
      throw new ApiError(502, 'ApiUnreachable', 'The D011DL API cannot be reached right now. Try again in a moment.');
    }
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    return { status: res.status, json };
  }

  function fail(status: number, json: unknown): never {
    const body = json as Partial<ApiErrorBody> | null;
    let message = typeof body?.message === 'string' && body.message ? body.message : `The API answered ${status}.`;
    if (Array.isArray(body?.details) && body.details.length && !body.details.every((d) => message.includes(d.message))) {
      message += ` (${body.details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join('; ')})`;
    }
    throw new ApiError(status, typeof body?.error === 'string' ? body.error : 'Error', message);
  }

  async function anon<S extends z.ZodType>(method: string, path: string, schema: S, body?: unknown, from?: Request): Promise<z.output<S>> {
    const r = await raw(method, path, body, from);
    if (r.status >= 400) fail(r.status, r.json);
    return parseAnswer(schema, path, r.json);
  }

  function refresh(refreshToken: string, from: Request): Promise<TokenPair> {
    let p = refreshing.get(refreshToken);
    if (!p) {
      p = anon('POST', '/auth/refresh', TokenPairSchema, { refresh_token: refreshToken }, from);
      refreshing.set(refreshToken, p);
      const forget = () => refreshing.delete(refreshToken);
      p.then(forget, forget);
    }
    return p;
  }

  // Old refresh token → the pair that replaced it, only when the answer meant to carry it was closed
  // before it sent anything (the browser went away mid-request): the browser still has the old
  // cookies, and without this its next request would end the session. Handed out once.
  const undelivered = new Map<string, TokenPair>();

  function rememberRotated(refreshToken: string, res: Response, pair: TokenPair): void {
    if (rotated.has(refreshToken)) return;
    rotated.set(
      refreshToken,
      new Promise((resolve) => {
        // the new cookies travel with the headers: a streamed answer (the SSE relay) sends them long
        // before it finishes
        const writeHead = res.writeHead;
        res.writeHead = function (this: Response, ...args: unknown[]) {
          resolve();
          return (writeHead as (...a: unknown[]) => Response).apply(this, args);
        } as typeof res.writeHead;
        const lostIfUnsent = () => {
          if (!res.headersSent) undelivered.set(refreshToken, pair);
          resolve();
        };
        if (res.closed || res.socket?.destroyed !== false) lostIfUnsent();
        else res.once('close', lostIfUnsent);
      }),
    );
    setTimeout(() => {
      rotated.delete(refreshToken);
      undelivered.delete(refreshToken);
    }, ROTATED_MEMORY_MS).unref();
  }

  async function call<S extends z.ZodType>(req: Request, res: Response, method: string, path: string, schema: S, body?: unknown): Promise<z.output<S>> {
    const token: string | undefined = req.cookies?.[ACCESS_COOKIE];
    const refreshToken: string | undefined = req.cookies?.[REFRESH_COOKIE];
    if (!token && !refreshToken) throw new NeedLogin();
    let r: { status: number; json: unknown } = token ? await raw(method, path, body, req, token) : { status: 401, json: { error: 'TokenExpired' } };
    if (r.status === 401 && (r.json as { error?: unknown } | null)?.error === 'TokenExpired' && refreshToken) {
      const renewed = refreshing.has(refreshToken) ? undefined : rotated.get(refreshToken);
      let lost: TokenPair | undefined;
      if (renewed) {
        // presenting it to the API again would look like a stolen token and end the session
        await Promise.race([renewed, new Promise((r) => setTimeout(r, ROTATED_WAIT_MS).unref())]);
        lost = undelivered.get(refreshToken);
        undelivered.delete(refreshToken);
        if (!lost) throw new SessionJustRenewed();
      }
      let pair: TokenPair;
      try {
        pair = lost ?? (await refresh(refreshToken, req));
      } catch (err) {
        if (err instanceof ApiError && err.status < 500) {
          clearSessionCookies(req, res);
          throw new NeedLogin();
        }
        throw err;
      }
      setSessionCookies(req, res, pair);
      rememberRotated(refreshToken, res, pair);
      r = await raw(method, path, body, req, pair.token);
    }
    if (r.status === 401) {
      clearSessionCookies(req, res);
      throw new NeedLogin();
    }
    if (r.status >= 400) fail(r.status, r.json);
    return parseAnswer(schema, path, r.json);
  }

  return { anon, call };
}
