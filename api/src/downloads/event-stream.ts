import type { DownloadProgress } from '@d011dl/contract';
import type { ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';

const POLL_MS = 250; // at most ~4 events per second
const KEEPALIVE_MS = 15_000;
// how often a stream asks whether its caller may still see it (disabled, deleted, signed out)
const RECHECK_MS = 2_000;
const TERMINAL = new Set(['succeeded', 'failed', 'canceled']);

/**
 * Server-Sent Events read from the database, so they work whichever instance runs the jobs. The first
 * event is always the current state (what a client reconnecting with Last-Event-ID needs); later ones
 * only when it changed; `isLast` ends the stream after that event.
 */
export function streamEvents<T>(
  req: FastifyRequest,
  reply: FastifyReply,
  read: () => Promise<T>,
  opts: {
    event: (value: T) => string;
    isLast?: (value: T) => boolean;
    pollMs?: number;
    open?: Set<ServerResponse>;
    /** false ends the stream: the caller's account or session is gone */
    alive?: () => Promise<boolean>;
  },
): void {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.write('retry: 2000\n\n');
  let seq = Number(req.headers['last-event-id']) || 0;
  let last = '';
  let lastWrite = Date.now();
  let closed = false;
  let lastCheck = Date.now();
  opts.open?.add(res);
  req.raw.on('close', () => {
    closed = true;
    opts.open?.delete(res);
  });

  const tick = async () => {
    if (closed) return;
    try {
      if (opts.alive && Date.now() - lastCheck >= RECHECK_MS) {
        lastCheck = Date.now();
        if (!(await opts.alive())) {
          res.end();
          return;
        }
      }
      const value = await read();
      const json = JSON.stringify(value);
      const done = opts.isLast?.(value) ?? false;
      if (json !== last || done) {
        last = json;
        seq++;
        res.write(`id: ${seq}\nevent: ${opts.event(value)}\ndata: ${json}\n\n`);
        lastWrite = Date.now();
      } else if (Date.now() - lastWrite > KEEPALIVE_MS) {
        res.write(': keep-alive\n\n');
        lastWrite = Date.now();
      }
      if (done) {
        res.end();
        return;
      }
    } catch (err) {
      req.log.warn({ err }, 'event stream stopped');
      res.end();
      return;
    }
    setTimeout(tick, opts.pollMs ?? POLL_MS);
  };
  void tick();
}

/** One download: `progress` events (≤ 4/s), then one `end` event with the final state. */
export function streamProgress(
  req: FastifyRequest,
  reply: FastifyReply,
  read: () => Promise<DownloadProgress>,
  open?: Set<ServerResponse>,
  alive?: () => Promise<boolean>,
): void {
  const done = (p: DownloadProgress) => TERMINAL.has(p.status);
  streamEvents(req, reply, read, { event: (p) => (done(p) ? 'end' : 'progress'), isLast: done, ...(open ? { open } : {}), ...(alive ? { alive } : {}) });
}

/** The streams a server has open, ended when it closes: a stream that never ends would hold app.close(). */
export function openStreams(app: { addHook(name: 'preClose', hook: () => Promise<void>): unknown }): Set<ServerResponse> {
  const open = new Set<ServerResponse>();
  app.addHook('preClose', async () => {
    for (const res of open) res.end();
    open.clear();
  });
  return open;
}
