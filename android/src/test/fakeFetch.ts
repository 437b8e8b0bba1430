import { jest } from '@jest/globals';

export type Handler = (req: { method: string; url: URL; headers: Record<string, string>; body: unknown }) => { status: number; body?: unknown };

/** A fetch mock: routes by "METHOD /path" and records every call. */
export function fakeFetch(routes: Record<string, Handler | Handler[]>) {
  const calls: { method: string; url: URL; headers: Record<string, string>; body: unknown }[] = [];
  const counters = new Map<string, number>();
  const fn = jest.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input));
    const method = init?.method ?? 'GET';
    const headers = (init?.headers ?? {}) as Record<string, string>;
    const body = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
    const req = { method, url, headers, body };
    calls.push(req);
    const key = `${method} ${url.pathname}`;
    const route = routes[key];
    if (!route) return new Response(JSON.stringify({ statusCode: 404, error: 'NotFound', message: `no route ${key}` }), { status: 404 });
    const n = counters.get(key) ?? 0;
    counters.set(key, n + 1);
    const h = Array.isArray(route) ? route[Math.min(n, route.length - 1)]! : route;
    const res = h(req);
    // no body at all (not even ''): a 204 must have none
    return new Response(res.body === undefined ? null : JSON.stringify(res.body), { status: res.status, headers: { 'Content-Type': 'application/json' } });
  });
  return { fetch: fn as unknown as typeof fetch, calls };
}

export const BASE = 'http://nas.local:8080';

export const loginOk = {
  token: 'tok-1',
  refresh_token: 'ref-1',
  token_type: 'Bearer',
  expires_in: 900,
  user: { id: '6f1d1c1e-6c1a-4b8e-9d5e-1b2c3d4e5f60', username: 'alice', is_admin: false, created_at: '2026-01-01T00:00:00Z', last_login_at: null },
};
