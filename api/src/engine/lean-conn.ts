// The connections of lean-http.ts: one socket each, kept alive per origin, reading a plain-HTTP socket
// into one reused buffer (net.Socket `onread`), a TLS socket through its 'data' events.
import { EventEmitter } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import { parseHead, type Head } from './lean-http-head.ts';

// used for headers and when the body's staging buffer has no room (most body bytes are read straight
// into that): one per open connection, up to 32 responses at the defaults
const READ_BUF = 64 * 1024;
const IDLE_MS = 10_000;
const MAX_IDLE_PER_ORIGIN = 32;

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
  /** Asks for the next bytes to be read into the buffer `target` returns (undefined: anywhere). */
  readInto(target: () => Uint8Array | undefined): void {
    if (this.#conn) this.#conn.readTarget = target;
  }
  /** the connection is done with this body */
  detach(): void {
    if (this.#conn) this.#conn.readTarget = undefined;
    this.#conn = undefined;
  }
  /** called once, soon after the consumer attaches its 'data' listener */
  onStart: (() => void) | undefined;
  // biome-ignore lint/suspicious/noExplicitAny: the signature EventEmitter.on declares
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

const idle = new Map<string, Conn[]>();

export class Conn {
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
  /** where the body's consumer wants the next bytes (plain HTTP only); cleared when the body ends */
  readTarget: (() => Uint8Array | undefined) | undefined;

  constructor(url: URL) {
    this.origin = url.origin;
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    const host = url.hostname.replace(/^\[|\]$/g, '');
    // the next read goes where the body's consumer wants its bytes (its staging buffer: no copy), else
    // into the connection's own buffer; asked after every read, so a finished body is never read into
    const onread = {
      buffer: () => this.readTarget?.() ?? this.#readBuf,
      callback: (n: number, buf: Uint8Array) => this.#data(Buffer.from(buf.buffer, buf.byteOffset, n)),
    };
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
    if (!fn) this.readTarget = undefined;
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
    this.readTarget = undefined;
    this.#onHead = undefined;
    this.#onBody = undefined;
    this.#onEnd = undefined;
    clearTimeout(this.#idleTimer);
    this.socket.destroy();
  }

  release(): void {
    this.readTarget = undefined;
    this.#onHead = undefined;
    this.#onBody = undefined;
    this.#onEnd = undefined;
    if (this.dead) return;
    const list = idle.get(this.origin) ?? [];
    if (list.length >= MAX_IDLE_PER_ORIGIN) {
      this.destroy();
      return;
    }
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
    if (list?.includes(this))
      idle.set(
        this.origin,
        list.filter((c) => c !== this),
      );
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

export function takeConn(url: URL): Conn {
  const list = idle.get(url.origin);
  while (list?.length) {
    const c = list.pop()!;
    if (!c.dead) return c;
  }
  return new Conn(url);
}
