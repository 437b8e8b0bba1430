import type { DownloadProgress } from '@d011dl/contract';
import type { FastifyReply, FastifyRequest } from 'fastify';

const POLL_MS = 250; // at most ~4 events per second
const KEEPALIVE_MS = 15_000;
const TERMINAL = new Set(['succeeded', 'failed', 'canceled']);

/**
 * Server-Sent Events from the database row, so it works whichever instance runs the job. The first
 * event is always the current state, which is what a client reconnecting with Last-Event-ID needs.
 */
export function streamProgress(req: FastifyRequest, reply: FastifyReply, read: () => Promise<DownloadProgress>): void {
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
  req.raw.on('close', () => (closed = true));

  const tick = async () => {
    if (closed) return;
    try {
      const p = await read();
      const json = JSON.stringify(p);
      const done = TERMINAL.has(p.status);
      if (json !== last || done) {
        last = json;
        seq++;
        res.write(`id: ${seq}\nevent: ${done ? 'end' : 'progress'}\ndata: ${json}\n\n`);
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
      req.log.warn({ err }, 'progress stream stopped');
      res.end();
      return;
    }
    setTimeout(tick, POLL_MS);
  };
  void tick();
}
