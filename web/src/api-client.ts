// The portal's only way to the API: HTTP with the user's bearer token from the session cookies.
// A 401 TokenExpired is answered by one refresh (POST /auth/refresh) and one retry.
import type { Request, Response } from 'express';
import type { ApiError as ApiErrorBody, TokenPair } from '@d011dl/contract';

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

export interface ApiClient {
  /** Unauthenticated call (login, register, config); `from` is the browser's request, for its address. */
  anon<T>(method: string, path: string, body?: unknown, from?: Request): Promise<T>;
  /** Call as the signed-in user; refreshes the session when the access token expired. */
  call<T>(req: Request, res: Response, method: string, path: string, body?: unknown): Promise<T>;
}

export function createApiClient(baseUrl: string, timeoutMs = 30_000): ApiClient {
  const base = baseUrl.replace(/\/+$/, '');
  // Refresh tokens rotate on every use: parallel requests of one browser (page + progress poll)
  // must share one refresh instead of racing and invalidating each other.
  const refreshing = new Map<string, Promise<TokenPair>>();

  async function raw(method: string, path: string, body: unknown, from: Request | undefined, token?: string): Promise<{ status: number; json: any }> {
    const headers: Record<string, string> = { accept: 'application/json', ...forwardedFor(from) };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    let res: globalThis.Response;
    try {
      res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) });
    } catch {
      throw new ApiError(502, 'ApiUnreachable', 'The D011DL API cannot be reached right now. Try again in a moment.');
    }
    const text = await res.text();
    let json: any = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    return { status: res.status, json };
  }

  function fail(status: number, json: any): never {
    const body = json as Partial<ApiErrorBody> | null;
    let message = typeof body?.message === 'string' && body.message ? body.message : `The API answered ${status}.`;
    if (Array.isArray(body?.details) && body.details.length && !body.details.every((d) => message.includes(d.message))) {
      message += ` (${body.details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join('; ')})`;
    }
    throw new ApiError(status, typeof body?.error === 'string' ? body.error : 'Error', message);
  }

  async function anon<T>(method: string, path: string, body?: unknown, from?: Request): Promise<T> {
    const r = await raw(method, path, body, from);
    if (r.status >= 400) fail(r.status, r.json);
    return r.json as T;
  }

  function refresh(refreshToken: string, from: Request): Promise<TokenPair> {
    let p = refreshing.get(refreshToken);
    if (!p) {
      p = anon<TokenPair>('POST', '/auth/refresh', { refresh_token: refreshToken }, from);
      refreshing.set(refreshToken, p);
      // Keep the answer a little while for requests that started with the old pair.
      const forget = () => setTimeout(() => refreshing.delete(refreshToken), 30_000).unref();
      p.then(forget, forget);
    }
    return p;
  }

  async function call<T>(req: Request, res: Response, method: string, path: string, body?: unknown): Promise<T> {
    const token: string | undefined = req.cookies?.[ACCESS_COOKIE];
    const refreshToken: string | undefined = req.cookies?.[REFRESH_COOKIE];
    if (!token && !refreshToken) throw new NeedLogin();
    let r = token ? await raw(method, path, body, req, token) : { status: 401, json: { error: 'TokenExpired' } };
    if (r.status === 401 && r.json?.error === 'TokenExpired' && refreshToken) {
      let pair: TokenPair;
      try {
        pair = await refresh(refreshToken, req);
      } catch (err) {
        if (err instanceof ApiError && err.status < 500) {
          clearSessionCookies(req, res);
          throw new NeedLogin();
        }
        throw err;
      }
      setSessionCookies(req, res, pair);
      r = await raw(method, path, body, req, pair.token);
    }
    if (r.status === 401) {
      clearSessionCookies(req, res);
      throw new NeedLogin();
    }
    if (r.status >= 400) fail(r.status, r.json);
    return r.json as T;
  }

  return { anon, call };
}
