// A minimal HTTP/1.1 GET client for the engine's ranged requests, over net/tls with keep-alive.
//
// Why not undici here: at 1 GB/s undici's parser copies every byte into its WebAssembly heap and Node
// allocates a fresh 64 KiB buffer per socket read, which keeps the garbage collector busy with full
// collections (bench/README.md, "CPU profile"). Here a plain-HTTP socket reads into one reused buffer
// (net.Socket `onread`) and a body's bytes go from it straight to the consumer, which copies them
// synchronously. Only what a ranged download needs: GET, Content-Length and chunked bodies, keep-alive.
// Proxies and custom dispatchers use undici (http-client.ts decides).
import { Readable } from 'node:stream';
import { type Conn, LeanBody, takeConn } from './lean-conn.ts';

export { closeLeanConnections, LeanBody } from './lean-conn.ts';

// a body that is not streamed (errors, redirects, chunked or encoded files) is read whole, up to this
const BUFFERED_MAX = 64 * 1024 * 1024;

export type LeanHeaders = Record<string, string | string[]>;

export interface LeanResponse {
  statusCode: number;
  headers: LeanHeaders;
  body: LeanBody | Readable;
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
  for (const [k, v] of Object.entries(headers)) {
    // a line break in a value (a token pasted with its newline) would split the request
    if (/[\r\n]/.test(v)) return Promise.reject(Object.assign(new Error(`the ${k} header contains a line break`), { code: 'ERR_INVALID_CHAR' }));
  }
  return attempt(url, headers, signal, headersTimeoutMs, errorLimit, true);
}

function attempt(
  url: URL,
  headers: Record<string, string>,
  signal: AbortSignal,
  headersTimeoutMs: number,
  errorLimit: number,
  mayRetry: boolean,
): Promise<LeanResponse> {
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
    conn.send(
      `${url.pathname}${url.search}`,
      host,
      headers,
      (head, rest) => {
        clearTimeout(timer);
        const connection = String(head.headers.connection ?? '');
        const keepAlive = head.http10 ? /\bkeep-alive\b/i.test(connection) : !/\bclose\b/i.test(connection);
        const te = String(head.headers['transfer-encoding'] ?? '').toLowerCase();
        const ce = String(head.headers['content-encoding'] ?? 'identity')
          .trim()
          .toLowerCase();
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
      },
      onEnd,
    );
  });
}

/** Reads a body that is not streamed (Content-Length or chunked), up to `limit` bytes. */
function readWhole(
  conn: Conn,
  rest: Buffer,
  length: number | undefined,
  chunked: boolean,
  empty: boolean,
  limit: number,
  cb: (err: Error | undefined, r?: { body: Buffer; truncated: boolean }) => void,
): void {
  if (empty) {
    cb(undefined, { body: Buffer.alloc(0), truncated: false });
    return;
  }
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
