// Servers that behave unlike the Hub: no Range support, endless redirects, weak ETags.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { DownloadError, downloadFile, type EngineOptions, type FileTask } from '../../src/engine/index.ts';
import { tempDir } from './helpers.ts';

const content = randomBytes(3 * 1024 * 1024 + 11);
const sha = createHash('sha256').update(content).digest('hex');

async function serve(
  t: { after(fn: () => Promise<void>): void },
  handler: (req: IncomingMessage, res: ServerResponse, n: number) => void,
): Promise<{ origin: string; seen: IncomingMessage[] }> {
  const seen: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    seen.push(req);
    handler(req, res, seen.length);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

function options(origin: string): EngineOptions {
  return { hubOrigin: origin, segmentConnections: 8, retries: 3, stallTimeoutMs: 2_000, retryBaseMs: 5, retryMaxMs: 50 };
}

async function task(t: { after(fn: () => Promise<void>): void }, origin: string): Promise<FileTask> {
  return { path: 'blob.bin', size: content.length, sha256: sha, url: `${origin}/file`, dest: path.join(await tempDir(t), 'blob.bin') };
}

test('a server that ignores Range: the resumed request gets the whole file, the engine starts over on one connection', async (t) => {
  const { origin, seen } = await serve(t, (_req, res, n) => {
    res.writeHead(200, { 'content-length': content.length, etag: '"v1"' });
    if (n === 1) {
      // first answer breaks halfway: the retry has to resume
      res.write(content.subarray(0, content.length / 2), () => res.destroy());
    } else {
      res.end(content);
    }
  });
  const events: string[] = [];
  const tk = await task(t, origin);
  const res = await downloadFile(tk, { ...options(origin), onEvent: (e) => events.push(`${e.type}: ${e.message ?? ''}`) });
  assert.equal(res.status, 'done');
  assert.equal(
    createHash('sha256')
      .update(await readFile(tk.dest))
      .digest('hex'),
    sha,
  );
  assert.match(seen[1]!.headers.range ?? '', /^bytes=[1-9]\d*-/);
  assert.equal(seen[1]!.headers['if-range'], '"v1"');
  assert.ok(
    events.some((e) => /^restart: the server ignored the Range header/.test(e)),
    events.join('\n'),
  );
  assert.equal(seen.length, 3);
});

test('endless redirects: a permanent failure after 5 hops', async (t) => {
  const { origin, seen } = await serve(t, (_req, res, n) => {
    res.writeHead(302, { location: `/hop-${n}` }).end();
  });
  const tk = await task(t, origin);
  const err = await downloadFile(tk, options(origin)).then(
    () => assert.fail('should fail'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof DownloadError && err.code === 'HubError' && err.permanent, String(err));
  assert.match(err.message, /too many redirects/);
  assert.equal(seen.length, 5);
});

test('a weak ETag is never sent back as If-Range', async (t) => {
  const { origin, seen } = await serve(t, (req, res, n) => {
    const start = Number(/bytes=(\d+)-/.exec(req.headers.range ?? '')?.[1] ?? 0);
    const body = content.subarray(start);
    res.writeHead(206, { 'content-length': body.length, 'content-range': `bytes ${start}-${content.length - 1}/${content.length}`, etag: 'W/"weak"' });
    if (n === 1) res.write(body.subarray(0, 1_000_000), () => res.destroy());
    else res.end(body);
  });
  const tk = await task(t, origin);
  const res = await downloadFile(tk, options(origin));
  assert.equal(res.status, 'done');
  assert.equal(seen.length, 2);
  assert.equal(seen[1]!.headers['if-range'], undefined);
  assert.notEqual(seen[1]!.headers.range, `bytes=0-${content.length - 1}`);
});
