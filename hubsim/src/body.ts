// Every response body goes through sendBody: it applies Range results, bandwidth caps (file bodies only),
// backpressure and the reset/truncate/stall faults.
import { once } from 'node:events';
import type { OutgoingHttpHeaders } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { openKeystream } from './content.ts';
import type { HubError, RequestContext } from './context.ts';
import { headerSafe } from './http-util.ts';

export interface BodySource {
  size: number;
  /** a reader returning the next n bytes from `start` on each call */
  open(start: number): (n: number) => Buffer;
}

export function bufferSource(buf: Buffer): BodySource {
  return {
    size: buf.length,
    open(start) {
      let pos = start;
      return (n) => {
        const out = buf.subarray(pos, pos + n);
        pos += n;
        return out;
      };
    },
  };
}

export function lfsSource(seed: string, size: number): BodySource {
  return { size, open: (start) => openKeystream(seed, start) };
}

const FAST_CHUNK = 256 * 1024;

export async function sendBody(
  ctx: RequestContext,
  status: number,
  headers: OutgoingHttpHeaders,
  source: BodySource,
  opts: { start?: number; length?: number; fileBody?: boolean; chunked?: boolean } = {},
): Promise<void> {
  const { req, res, signal } = ctx;
  const start = opts.start ?? 0;
  const length = opts.length ?? source.size - start;
  // chunked: no Content-Length, so node sends Transfer-Encoding: chunked
  res.writeHead(status, opts.chunked ? headers : { ...headers, 'Content-Length': length });
  if (req.method === 'HEAD' || length === 0 || signal.aborted) {
    res.end();
    return;
  }
  const fault = status < 300 ? ctx.sim.faults.takeBody(ctx.matchText, opts.fileBody === true) : undefined;
  if (fault) ctx.record.fault = fault.kind;
  // a fault must break the body, so it fires before the last byte
  let cut = fault ? Math.min(length - 1, Math.max(0, Math.floor(fault.afterBytes ?? length / 2))) : -1;
  const read = source.open(start);
  const socket = req.socket;
  let sent = 0;
  while (!signal.aborted) {
    if (fault && sent === cut) {
      if (fault.kind === 'stall') {
        await pause(fault.stallMs, signal);
        cut = -1;
        continue;
      }
      // let the bytes sent so far reach the client before the connection breaks
      await new Promise<void>((resolve) => socket.write('', () => resolve()));
      if (fault.kind === 'reset') {
        await pause(10, signal);
        if (!socket.destroyed) socket.resetAndDestroy();
      } else {
        // truncate: a clean FIN with the body short of its Content-Length
        socket.end();
      }
      return;
    }
    if (sent >= length) break;
    let n = Math.min(chunkSize(ctx, opts.fileBody === true), length - sent);
    if (cut > sent) n = Math.min(n, cut - sent);
    if (opts.fileBody) {
      const wait = throttleDelay(ctx, n);
      if (wait > 0) await pause(wait, signal);
      if (signal.aborted) return;
    }
    const chunk = read(n);
    sent += n;
    ctx.record.bytes += n;
    if (!res.write(chunk)) {
      try {
        await once(res, 'drain', { signal });
      } catch {
        return;
      }
    }
  }
  if (!signal.aborted) res.end();
}

function chunkSize(ctx: RequestContext, fileBody: boolean): number {
  if (!fileBody) return FAST_CHUNK;
  const f = ctx.sim.faults;
  const rate = Math.min(f.connBucket(ctx.req.socket)?.rate ?? Infinity, f.linkBucket()?.rate ?? Infinity);
  // small chunks under a cap (~10 ms each) keep the delivered rate smooth
  return Number.isFinite(rate) ? Math.max(1024, Math.min(64 * 1024, Math.floor(rate / 100))) : FAST_CHUNK;
}

function throttleDelay(ctx: RequestContext, n: number): number {
  const f = ctx.sim.faults;
  const conn = f.connBucket(ctx.req.socket);
  const link = f.linkBucket();
  return Math.max(conn ? conn.reserve(n) : 0, link ? link.reserve(n) : 0);
}

/** Sleeps ms (forever when undefined) or until the response closes. */
export async function pause(ms: number | undefined, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  if (ms === undefined) {
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    return;
  }
  try {
    await sleep(ms, undefined, { signal });
  } catch {
    // aborted: the caller checks the signal
  }
}

export function sendJson(ctx: RequestContext, status: number, value: unknown, headers: OutgoingHttpHeaders = {}): Promise<void> {
  const body = Buffer.from(JSON.stringify(value));
  return sendBody(ctx, status, { 'Content-Type': 'application/json; charset=utf-8', ...headers }, bufferSource(body));
}

export function sendText(ctx: RequestContext, status: number, text: string, headers: OutgoingHttpHeaders = {}): Promise<void> {
  return sendBody(ctx, status, { 'Content-Type': 'text/plain; charset=utf-8', ...headers }, bufferSource(Buffer.from(text)));
}

/** `{"error": msg}` plus X-Error-Code/X-Error-Message: HEAD responses have no body, so headers carry the error. */
export function sendError(ctx: RequestContext, err: HubError): Promise<void> {
  const headers: OutgoingHttpHeaders = { 'X-Error-Message': headerSafe(err.message), ...err.headers };
  if (err.code) headers['X-Error-Code'] = err.code;
  return sendJson(ctx, err.status, { error: err.message }, headers);
}
