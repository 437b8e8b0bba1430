// A minimal HTTP/1.1 GET client for the engine's ranged requests, over net/tls with keep-alive.
//
// Why not undici here: at 1 GB/s undici's parser copies every byte into its WebAssembly heap and Node
// allocates a fresh 64 KiB buffer per socket read, which keeps the garbage collector busy with full
// collections (bench/README.md, "CPU profile"). Here a plain-HTTP socket reads into one reused buffer
// (net.Socket `onread`) and a body's bytes go from it straight to the consumer, which copies them
// synchronously. Only what a ranged download needs: GET, Content-Length and chunked bodies, keep-alive.
// Proxies and custom dispatchers use undici (http-client.ts decides).
import { EventEmitter } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import { Readable } from 'node:stream';
import { parseHead, type Head } from './lean-http-head.ts';

const READ_BUF = 256 * 1024;
const IDLE_MS = 10_000;
const MAX_IDLE_PER_ORIGIN = 32;
// a body that is not streamed (errors, redirects, chunked or encoded files) is read whole, up to this
const BUFFERED_MAX = 64 * 1024 * 1024;

export type LeanHeaders = Record<string, string | string[]>;

/** A streamed body: 'data' chunks are views of a reused buffer, valid only during the event. */
export class LeanBody extends EventEmitter {
  #conn: Conn | undefined;
  readonly #onDestroy: () => void;
  constructor(conn: Conn, onDestroy: () => void) {
    super();
    this.#conn = conn;
    this.#onDestroy = onDestroy;
  }
  pause(): this {
    this.#conn?.pause();
    return this;
  }
  resume(): this {
    this.#conn?.resume();
    return this;
  }
  destroy(): this {
    const c = this.#conn;
    this.#conn = undefined;
    c?.destroy();
    this.#onDestroy();
    return this;
  }
  /** the connection is done with this body */
  detach(): void {
    this.#conn = undefined;
  }
  /** called once, soon after the consumer attaches its 'data' listener */
  onStart: (() => void) | undefined;
  override on(event: string | symbol, listener: (...args: any[]) => void): this {
    super.on(event, listener);
    if (event === 'data' && this.onStart) {
      const start = this.onStart;
      this.onStart = undefined;
      // after the caller's other listeners ('end', 'error'), attached right after 'data'
      queueMicrotask(start);
    }
    return this;
  }
  fail(err: unknown): void {
    this.#conn = undefined;
    // nobody listening: the consumer already let go of the body
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }
}

export interface LeanResponse {
  statusCode: number;
  headers: LeanHeaders;
  body: LeanBody | Readable;
}

const idle = new Map<string, Conn[]>();

class Conn {
  readonly origin: string;
  readonly socket: net.Socket;
  readonly #readBuf = Buffer.allocUnsafeSlow(READ_BUF);
  #head: Buffer[] = [];
  #headLen = 0;
  #onHead: ((head: Head, rest: Buffer) => void) | undefined;
  #onBody: ((view: Buffer) => boolean) | undefined;
  #onEnd: ((err?: Error) => void) | undefined;
  #idleTimer: NodeJS.Timeout | undefined;
  #paused = false;
  dead = false;
  gotBytes = false;

  constructor(url: URL) {
    this.origin = url.origin;
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const onread = { buffer: this.#readBuf, callback: (n: number, buf: Uint8Array) => this.#data(Buffer.from(buf.buffer, buf.byteOffset, n)) };
    if (url.protocol === 'https:') {
      const s = tls.connect({ host, port, ALPNProtocols: ['http/1.1'], ...(net.isIP(host) ? {} : { servername: host }) });
      s.on('data', (chunk: Buffer) => {
        if (this.#data(chunk) === false) s.pause();
      });
      this.socket = s;
    } else {
      this.socket = net.connect({ host, port, onread });
    }
    this.socket.setNoDelay(true);
    this.socket.on('error', (err) => this.#fail(err));
    this.socket.on('end', () => this.#fail(Object.assign(new Error('the server closed the connection'), { code: 'ECONNRESET' })));
    this.socket.on('close', () => this.#fail(Object.assign(new Error('the connection closed'), { code: 'ECONNRESET' })));
  }

  /** Sends a GET; `onHead` gets the status line and headers, then the connection is the caller's. */
  send(path: string, host: string, headers: Record<string, string>, onHead: (head: Head, rest: Buffer) => void, onEnd: (err?: Error) => void): void {
    clearTimeout(this.#idleTimer);
    this.socket.ref();
    this.#onHead = onHead;
    this.#onEnd = onEnd;
    // a pause of the last body's consumer ended with that body
    this.#paused = false;
    let req = `GET ${path} HTTP/1.1\r\nhost: ${host}\r\n`;
    for (const [k, v] of Object.entries(headers)) req += `${k}: ${v}\r\n`;
    this.socket.write(`${req}\r\n`, 'latin1');
    // a kept-alive connection stopped reading when its last body ended
    this.socket.resume();
  }

  /** Body bytes go to `fn` from now on (false: pause the socket). */
  stream(fn: ((view: Buffer) => boolean) | undefined): void {
    this.#onBody = fn;
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.socket.resume();
  }

  destroy(): void {
    this.dead = true;
    this.#onHead = undefined;
    this.#onBody = undefined;
    this.#onEnd = undefined;
    clearTimeout(this.#idleTimer);
    this.socket.destroy();
  }

  release(): void {
    this.#onHead = undefined;
    this.#onBody = undefined;
    this.#onEnd = undefined;
    if (this.dead) return;
    const list = idle.get(this.origin) ?? [];
    if (list.length >= MAX_IDLE_PER_ORIGIN) return this.destroy();
    list.push(this);
    idle.set(this.origin, list);
    this.socket.unref();
    this.#idleTimer = setTimeout(() => this.#fail(new Error('idle')), IDLE_MS);
    this.#idleTimer.unref();
    // read on while idle, so a close by the server is noticed before the connection is reused
    this.socket.resume();
  }

  #data(view: Buffer): boolean {
    this.gotBytes = true;
    if (this.#onHead) {
      this.#head.push(Buffer.from(view));
      this.#headLen += view.length;
      const all = this.#head.length === 1 ? this.#head[0]! : Buffer.concat(this.#head, this.#headLen);
      const end = all.indexOf('\r\n\r\n');
      if (end < 0) {
        if (this.#headLen > 64 * 1024) this.#fail(new Error('response headers too large'));
        this.#head = [all];
        return true;
      }
      const onHead = this.#onHead;
      this.#onHead = undefined;
      this.#head = [];
      this.#headLen = 0;
      let head: Head;
      try {
        head = parseHead(all.subarray(0, end).toString('latin1'));
      } catch (err) {
        this.#fail(err as Error);
        return false;
      }
      onHead(head, all.subarray(end + 4));
      return !this.#paused;
    }
    if (this.#onBody) return this.#onBody(view) !== false && !this.#paused;
    // bytes nobody asked for on an idle connection: it cannot be reused
    this.destroy();
    return false;
  }

  #fail(err: Error): void {
    this.dead = true;
    clearTimeout(this.#idleTimer);
    const list = idle.get(this.origin);
    if (list?.includes(this)) idle.set(this.origin, list.filter((c) => c !== this));
    const onEnd = this.#onEnd;
    this.#onEnd = undefined;
    this.#onHead = undefined;
    this.#onBody = undefined;
    this.socket.destroy();
    onEnd?.(err);
  }
}

/** Closes every idle connection (server shutdown). */
export function closeLeanConnections(): void {
  for (const list of idle.values()) for (const c of list) c.destroy();
  idle.clear();
}

function takeConn(url: URL): Conn {
  const list = idle.get(url.origin);
  while (list?.length) {
    const c = list.pop()!;
    if (!c.dead) return c;
  }
  return new Conn(url);
}

/** The answer needs what this client does not do (a body delimited by the connection's close, or a big
 * chunked or encoded one): the caller asks again through undici. */
export class LeanUnsupported extends Error {}

/**
 * GET `url`. A 2xx body with a Content-Length and no Content-Encoding is streamed (LeanBody); any other
 * body is read whole first and handed over as a Readable (an error's up to `errorLimit` bytes). Rejects
 * with the signal's reason on abort, LeanUnsupported when undici must do it.
 */
export function leanGet(url: URL, headers: Record<string, string>, signal: AbortSignal, headersTimeoutMs: number, errorLimit: number): Promise<LeanResponse> {
  return attempt(url, headers, signal, headersTimeoutMs, errorLimit, true);
}

function attempt(url: URL, headers: Record<string, string>, signal: AbortSignal, headersTimeoutMs: number, errorLimit: number, mayRetry: boolean): Promise<LeanResponse> {
  return new Promise<LeanResponse>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const conn = takeConn(url);
    const reused = conn.gotBytes;
    let settled = false;
    let body: LeanBody | undefined;
    const cleanup = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    };
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
    };
    const onAbort = () => {
      cleanup();
      conn.destroy();
      settle(() => reject(signal.reason));
      body?.fail(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => {
      cleanup();
      conn.destroy();
      settle(() => reject(Object.assign(new Error(`no response headers within ${headersTimeoutMs} ms`), { code: 'UND_ERR_HEADERS_TIMEOUT' })));
    }, headersTimeoutMs);

    const onEnd = (err?: Error) => {
      cleanup();
      if (!settled) {
        // a kept-alive connection the server had closed meanwhile: one fresh try (a GET is idempotent)
        if (reused && mayRetry && !signal.aborted) {
          settled = true;
          attempt(url, headers, signal, headersTimeoutMs, errorLimit, false).then(resolve, reject);
          return;
        }
        settle(() => reject(err ?? new Error('the connection closed')));
        return;
      }
      body?.fail(err ?? new Error('the connection closed'));
    };

    const host = url.port ? `${url.hostname}:${url.port}` : url.hostname;
    conn.send(`${url.pathname}${url.search}`, host, headers, (head, rest) => {
      clearTimeout(timer);
      const keepAlive = !/\bclose\b/i.test(String(head.headers['connection'] ?? ''));
      const te = String(head.headers['transfer-encoding'] ?? '').toLowerCase();
      const ce = String(head.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
      const lengthHeader = head.headers['content-length'];
      const length = typeof lengthHeader === 'string' && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : undefined;
      const ok = head.status >= 200 && head.status < 300;
      const done = () => {
        cleanup();
        if (keepAlive) conn.release();
        else conn.destroy();
      };
      if (ok && length !== undefined && !te && (ce === 'identity' || ce === '')) {
        const b = new LeanBody(conn, cleanup);
        body = b;
        let left = length;
        const feed = (view: Buffer): boolean => {
          const n = Math.min(left, view.length);
          left -= n;
          if (n > 0) b.emit('data', n === view.length ? view : view.subarray(0, n));
          if (left === 0 && !conn.dead) {
            b.detach();
            done();
            b.emit('end');
            return false;
          }
          return true;
        };
        // bytes that come before the consumer listens wait here (the socket is paused meanwhile)
        let stash: Buffer | undefined = rest.length ? Buffer.from(rest) : undefined;
        let started = false;
        conn.stream((view) => {
          if (started) return feed(view);
          stash = stash ? Buffer.concat([stash, view]) : Buffer.from(view);
          conn.pause();
          return false;
        });
        b.onStart = () => {
          started = true;
          conn.resume();
          const first = stash ?? Buffer.alloc(0);
          stash = undefined;
          feed(first);
        };
        settle(() => resolve({ statusCode: head.status, headers: head.headers, body: b }));
        return;
      }
      const empty = head.status === 204 || head.status === 304 || length === 0;
      const chunked = te.includes('chunked');
      if (!empty && length === undefined && !chunked) {
        // delimited by the connection's close: rare, and undici knows how
        conn.destroy();
        cleanup();
        return settle(() => reject(new LeanUnsupported('body without a length')));
      }
      readWhole(conn, rest, length, chunked, empty, ok ? BUFFERED_MAX : errorLimit, (err, whole) => {
        if (err) {
          conn.destroy();
          cleanup();
          return settle(() => reject(ok ? new LeanUnsupported(err.message) : err));
        }
        if (whole!.truncated) {
          conn.destroy();
          cleanup();
        } else done();
        settle(() => resolve({ statusCode: head.status, headers: head.headers, body: Readable.from(whole!.body.length ? [whole!.body] : []) }));
      });
    }, onEnd);
  });
}

/** Reads a body that is not streamed (Content-Length or chunked), up to `limit` bytes. */
function readWhole(conn: Conn, rest: Buffer, length: number | undefined, chunked: boolean, empty: boolean, limit: number, cb: (err: Error | undefined, r?: { body: Buffer; truncated: boolean }) => void): void {
  if (empty) return cb(undefined, { body: Buffer.alloc(0), truncated: false });
  const parts: Buffer[] = [];
  let total = 0;
  let raw = Buffer.alloc(0);
  let finished = false;
  const finish = (err?: Error, truncated = false) => {
    if (finished) return;
    finished = true;
    conn.stream(undefined);
    cb(err, err ? undefined : { body: Buffer.concat(parts, total), truncated });
  };
  const take = (view: Buffer): boolean => {
    if (finished) return false;
    if (!chunked) {
      const n = Math.min(view.length, length! - total);
      parts.push(Buffer.from(view.subarray(0, n)));
      total += n;
      if (total >= length!) finish();
      else if (total >= limit) finish(limit === BUFFERED_MAX ? new Error('response body too large') : undefined, true);
      return !finished;
    }
    raw = raw.length ? Buffer.concat([raw, view]) : Buffer.from(view);
    for (;;) {
      const eol = raw.indexOf('\r\n');
      if (eol < 0) break;
      const size = parseInt(raw.subarray(0, eol).toString('latin1'), 16);
      if (!Number.isFinite(size) || size < 0) {
        finish(new Error('bad chunked encoding'));
        return false;
      }
      // the last chunk ends the body; trailers are not read, so the connection is not reused
      if (size === 0) {
        finish(undefined, true);
        return false;
      }
      if (raw.length < eol + 2 + size + 2) break;
      parts.push(raw.subarray(eol + 2, eol + 2 + size));
      total += size;
      raw = raw.subarray(eol + 2 + size + 2);
      if (total >= limit) {
        finish(limit === BUFFERED_MAX ? new Error('response body too large') : undefined, true);
        return false;
      }
    }
    return true;
  };
  conn.stream(take);
  if (rest.length) take(rest);
}
