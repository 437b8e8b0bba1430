// The engine's own HTTP/1.1 client (api/src/engine/lean-http.ts) against answers hubsim does not give:
// chunked error bodies, a body delimited by the connection's close, keep-alive connections the server
// dropped while they were idle.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { downloadFile, type FileTask } from '../../src/engine/index.ts';
import { closeEngineAgent } from '../../src/engine/http-client.ts';
import { tempDir } from './helpers.ts';

const content = randomBytes(2 * 1024 * 1024 + 5);
const sha = createHash('sha256').update(content).digest('hex');

async function serve(t: { after(fn: () => Promise<void>): void }, handler: (req: IncomingMessage, res: ServerResponse, n: number) => void) {
  let n = 0;
  const server = createServer((req, res) => handler(req, res, ++n));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function task(t: { after(fn: () => Promise<void>): void }, origin: string): Promise<FileTask> {
  return { path: 'blob.bin', size: content.length, sha256: sha, url: `${origin}/file`, dest: path.join(await tempDir(t), 'blob.bin') };
}

const ranged = (req: IncomingMessage, res: ServerResponse) => {
  const m = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? '');
  const start = m ? Number(m[1]) : 0;
  const end = m ? Number(m[2]) + 1 : content.length;
  res.writeHead(m ? 206 : 200, { 'content-length': end - start, ...(m ? { 'content-range': `bytes ${start}-${end - 1}/${content.length}` } : {}) });
  res.end(content.subarray(start, end));
};

test('a chunked error body is read for its message; a body delimited by the close still arrives exact', async (t) => {
  const { origin } = await serve(t, (_req, res, n) => {
    if (n === 1) {
      // no Content-Length: Node sends the JSON chunked
      res.writeHead(503, { 'content-type': 'application/json' });
      res.write('{"error":"Hub is ');
      res.end('resting"}');
      return;
    }
    // no length, no chunks: the body ends with the connection
    res.socket!.write('HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n');
    res.socket!.end(content);
  });
  const events: string[] = [];
  const res = await downloadFile(await task(t, origin), {
    hubOrigin: origin,
    segmentConnections: 1,
    stallTimeoutMs: 5_000,
    retries: 3,
    retryBaseMs: 5,
    retryMaxMs: 20,
    onEvent: (e) => events.push(`${e.type}: ${e.message ?? ''}`),
  });
  assert.equal(res.status, 'done');
  assert.ok(
    events.some((e) => e.startsWith('retry') && e.includes('Hub is resting')),
    events.join('\n'),
  );
});

test('keep-alive: a connection the server closed while idle is replaced, not counted as a failure', async (t) => {
  const { server, origin } = await serve(t, ranged);
  const first = await task(t, origin);
  const events: string[] = [];
  const opts = {
    hubOrigin: origin,
    segmentConnections: 1,
    stallTimeoutMs: 5_000,
    retries: 0,
    onEvent: (e: { type: string; message?: string }) => events.push(`${e.type}: ${e.message ?? ''}`),
  };
  assert.equal((await downloadFile(first, opts)).status, 'done');
  // the idle keep-alive connection goes away (a server's keep-alive timeout); the next file must not fail
  server.closeIdleConnections();
  const second = { ...first, dest: path.join(await tempDir(t), 'again.bin') };
  assert.equal((await downloadFile(second, opts)).status, 'done');
  assert.deepEqual(await readFile(second.dest), content);
  assert.equal(events.filter((e) => e.startsWith('retry')).length, 0, events.join('\n'));
  await closeEngineAgent();
});
