// A webhook receiver on loopback: records every request (headers and raw body) and answers with what
// the test says, per path.
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { freePort } from './net.ts';

export interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** the status to answer on a path, by how many requests it has had before (0 for the first) */
  answer: (path: string, fn: (n: number) => number) => void;
  on(path: string): Received[];
  waitFor(what: string, ok: () => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const answers = new Map<string, (n: number) => number>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const n = received.filter((r) => r.path === path).length;
      received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const status = answers.get(path)?.(n) ?? 200;
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'receiver says no');
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    answer: (path, fn) => answers.set(path, fn),
    on: (path) => received.filter((r) => r.path === path),
    async waitFor(what, ok, timeoutMs = 60_000) {
      for (const deadline = Date.now() + timeoutMs; !ok(); await new Promise((r) => setTimeout(r, 50)))
        if (Date.now() > deadline)
          throw new Error(`timed out waiting for ${what}; received: ${JSON.stringify(received.map((r) => [r.path, r.headers['x-d011dl-event']]))}`);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** What a receiver does to check a request (README, "Notifications"). */
export function verifySignature(r: Received, secret: string): boolean {
  const t = String(r.headers['x-d011dl-timestamp'] ?? '');
  const sig = String(r.headers['x-d011dl-signature'] ?? '');
  const want = `sha256=${createHmac('sha256', secret).update(`${t}.${r.body}`).digest('hex')}`;
  return t !== '' && sig.length === want.length && timingSafeEqual(Buffer.from(sig), Buffer.from(want));
}
