// Test helpers: raw node:http requests (no fetch: we need exact paths, HEAD bodies, broken bodies).
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** set when the body broke (reset, premature close) or the client timed out */
  error?: Error;
  ms: number;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** give up (destroying the socket) after this long */
  timeoutMs?: number;
}

/**
 * `target` is sent verbatim as the request path (keep it percent-encoded). Never rejects on a broken
 * connection: the result carries `error` (status 0 when no response head arrived).
 */
export function request(base: string, target: string, opts: RequestOptions = {}): Promise<RawResponse> {
  const url = new URL(base);
  const started = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    let status = 0;
    let headers: IncomingHttpHeaders = {};
    const parts: Buffer[] = [];
    const done = (error?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const out: RawResponse = { status, headers, body: Buffer.concat(parts), ms: performance.now() - started };
      if (error) out.error = error;
      resolve(out);
    };
    const req = httpRequest(
      {
        host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
        port: url.port,
        path: target,
        method: opts.method ?? 'GET',
        headers: opts.headers ?? {},
        // a fresh connection per request: broken connections must not leak into the next test
        agent: false,
      },
      (res) => {
        status = res.statusCode ?? 0;
        headers = res.headers;
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => done(res.complete ? undefined : new Error('incomplete body')));
        res.on('error', (err) => done(err));
        res.on('close', () => done(res.complete ? undefined : new Error('closed before complete')));
      },
    );
    const timer = opts.timeoutMs ? setTimeout(() => req.destroy(new Error('client timeout')), opts.timeoutMs) : undefined;
    // also fires when the connection breaks mid-body
    req.on('error', (err) => done(err));
    req.end(opts.body);
  });
}

export async function getJson<T = unknown>(
  base: string,
  target: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: IncomingHttpHeaders; json: T }> {
  const res = await request(base, target, { headers });
  return { status: res.status, headers: res.headers, json: JSON.parse(res.body.toString('utf8')) as T };
}

export function sha256(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex');
}

export function gitSha1(buf: Buffer): string {
  return createHash('sha1').update(`blob ${buf.length}\0`).update(buf).digest('hex');
}

export function unquote(etag: string | string[] | undefined): string {
  return String(etag ?? '')
    .replace(/^W\//, '')
    .replace(/^"|"$/g, '');
}

/** The regex @huggingface/hub uses to parse Link headers (parseLinkHeader.ts). */
export function parseLink(header: string | undefined): Record<string, string> {
  const regex = /<(https?:[/][/][^>]+)>;\s+rel="([^"]+)"/g;
  return Object.fromEntries([...(header ?? '').matchAll(regex)].map(([, url, rel]) => [rel ?? '', url ?? '']));
}

export const ALICE = { Authorization: 'Bearer hf_alice_token' };
export const BOB = { Authorization: 'Bearer hf_bob_token' };

export interface TreeEntry {
  type: 'file' | 'directory';
  oid: string;
  size: number;
  path: string;
  lfs?: { oid: string; size: number; pointerSize: number };
  lastCommit?: { id: string; title: string; date: string };
  securityFileStatus?: { status: string; avScan: unknown; pickleImportScan: unknown };
  xetHash?: string;
}

/** Follows Link rel="next" like the official clients; returns every entry and the number of pages. */
export async function listTree(
  base: string,
  target: string,
  headers: Record<string, string> = {},
): Promise<{ entries: TreeEntry[]; pages: number; links: string[] }> {
  const entries: TreeEntry[] = [];
  const links: string[] = [];
  let next: string | undefined = base + target;
  let pages = 0;
  while (next) {
    const u: URL = new URL(next);
    const res = await getJson<TreeEntry[]>(u.origin, u.pathname + u.search, headers);
    if (res.status !== 200) throw new Error(`tree page ${pages + 1}: HTTP ${res.status}`);
    entries.push(...res.json);
    pages++;
    const link = res.headers.link === undefined ? undefined : String(res.headers.link);
    if (link) links.push(link);
    next = parseLink(link).next;
    if (pages > 1000) throw new Error('pagination does not end');
  }
  return { entries, pages, links };
}

/** Polls until cond() is truthy (server-side bookkeeping can trail the client by an event-loop turn). */
export async function waitFor<T>(cond: () => T | undefined, timeoutMs = 2000): Promise<T> {
  const until = performance.now() + timeoutMs;
  for (;;) {
    const v = cond();
    if (v) return v;
    if (performance.now() > until) throw new Error('waitFor: timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Retries an async probe until it returns a truthy value (for conditions that need a request to observe). */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const until = performance.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (performance.now() > until) throw new Error('eventually: timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}
