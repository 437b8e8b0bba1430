// A hostile HF_ENDPOINT: tree listings with paths that would leave the model folder or sizes that are
// not sizes are refused with 502 (never a 500, never planned); download redirects to private addresses
// are refused unless HF_ENDPOINT itself is one.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { DownloadError, downloadFile } from '../src/engine/index.ts';
import { isPrivateAddress, refusedRedirect } from '../src/engine/private-address.ts';
import { bearer, registerAndLogin, startTestApp, type TestApp } from './helpers/app.ts';
import { tempDir } from './engine/helpers.ts';

const SHA = 'a'.repeat(40);
const file = (p: unknown, size: unknown = 5) => ({ type: 'file', path: p, size, oid: 'b'.repeat(40) });

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe('a hostile Hub tree', () => {
  let hub: Awaited<ReturnType<typeof serve>>;
  let t: TestApp;
  let token: string;
  let tree: unknown[] = [];
  before(async () => {
    hub = await serve((req, res) => {
      const url = new URL(req.url!, 'http://x');
      res.setHeader('content-type', 'application/json');
      if (url.pathname === '/api/models/evil/repo/revision/main') return res.end(JSON.stringify({ id: 'evil/repo', sha: SHA }));
      if (url.pathname.startsWith('/api/models/evil/repo/tree/')) return res.end(JSON.stringify(tree));
      res.statusCode = 404;
      res.end('{}');
    });
    t = await startTestApp({ HF_ENDPOINT: hub.origin });
    token = (await registerAndLogin(t.app)).token;
  });
  after(async () => {
    await t?.close();
    await hub?.close();
  });

  const cases: Array<[string, unknown]> = [
    ['a ".." segment', file('../../escape.txt')],
    ['".." in the middle', file('a/../../escape.txt')],
    ['a NUL byte', file('nul\0.txt')],
    ['a backslash', file('..\\escape.txt')],
    ['an absolute path', file('/etc/passwd')],
    ['empty segments', file('a//b.txt')],
    ['a trailing slash', file('dir/')],
    ['an empty path', file('')],
    ['a path that is not a string', file(42)],
    ['a negative size', file('model.bin', -1)],
    ['a fractional size', file('model.bin', 1.5)],
    ['a size that is a string', file('model.bin', '5')],
    ['an unsafe directory entry', { type: 'directory', path: '../up', size: 0, oid: 'c'.repeat(40) }],
  ];
  for (const [what, entry] of cases) {
    it(`${what}: POST /downloads and GET /hf/tree answer 502 "the Hub listed an unsafe path"`, async () => {
      tree = [file('README.md', 5), entry];
      const res = await t.app.inject({
        method: 'POST',
        url: '/downloads',
        payload: { author: 'evil', repo: 'repo', revision: 'main' },
        headers: bearer(token),
      });
      assert.equal(res.statusCode, 502, res.body);
      assert.equal(res.json().error, 'HubUnsafeTree');
      assert.match(res.json().message, /^the Hub listed an unsafe path or size: /);
      const browse = await t.app.inject({ url: '/hf/tree?author=evil&repo=repo&revision=main', headers: bearer(token) });
      assert.equal(browse.statusCode, 502, browse.body);
      assert.equal(browse.json().error, 'HubUnsafeTree');
    });
  }

  it('a safe listing with odd but legal names is accepted', async () => {
    tree = [file('dir/.hidden'), file('spaces and ü.txt'), file('..dots..bin'), { type: 'directory', path: 'dir', size: 0, oid: 'c'.repeat(40) }];
    const browse = await t.app.inject({ url: '/hf/tree?author=evil&repo=repo&revision=main', headers: bearer(token) });
    assert.equal(browse.statusCode, 200, browse.body);
    assert.equal(browse.json().files.length, 4);
  });

  it('nothing was written to the storage', async () => {
    assert.deepEqual(
      (await readdir(t.config.storageRoot)).filter((f) => f !== '.d011dl'),
      [],
    );
  });
});

describe('download redirects to private addresses', () => {
  const content = randomBytes(10_000);
  const sha = createHash('sha256').update(content).digest('hex');

  it('classifies loopback, link-local, private and public addresses', () => {
    for (const ip of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      'fe80::1',
      'fd00::1',
      '::ffff:127.0.0.1',
      '::ffff:169.254.169.254',
    ]) {
      assert.equal(isPrivateAddress(ip), true, ip);
    }
    for (const ip of ['8.8.8.8', '172.32.0.1', '1.1.1.1', '2606:4700::1111', '::ffff:8.8.8.8']) assert.equal(isPrivateAddress(ip), false, ip);
  });

  it('refuses a redirect to the cloud metadata address or loopback from a public HF_ENDPOINT', async () => {
    assert.match(
      (await refusedRedirect(new URL('http://169.254.169.254/latest/meta-data/'), 'https://hub.example.invalid'))!,
      /loopback, link-local or private address/,
    );
    assert.match((await refusedRedirect(new URL('http://[::1]:8080/x'), 'https://hub.example.invalid'))!, /private address/);
    assert.match((await refusedRedirect(new URL('http://localhost/x'), 'https://hub.example.invalid'))!, /private address/);
    assert.equal(await refusedRedirect(new URL('http://10.0.0.5/x'), 'http://10.0.0.2:8080'), null, 'allowed when HF_ENDPOINT is private too');
  });

  it('the engine does not follow such a redirect (and never connects there)', async (ctx: TestContext) => {
    let cdnHits = 0;
    const cdn = await serve((_req, res) => {
      cdnHits++;
      res.end(content);
    });
    const hub = await serve((_req, res) => {
      res.statusCode = 302;
      res.setHeader('location', `${cdn.origin}/blob`);
      res.end();
    });
    ctx.after(async () => {
      await hub.close();
      await cdn.close();
    });
    const dest = path.join(await tempDir(ctx), 'blob.bin');
    const task = { path: 'blob.bin', size: content.length, sha256: sha, url: `${hub.origin}/resolve/blob.bin`, dest };
    const base = { segmentConnections: 1, retries: 2, stallTimeoutMs: 2_000, retryBaseMs: 5, retryMaxMs: 20 };
    // HF_ENDPOINT says it is a public host: the hop to a loopback CDN is refused
    await assert.rejects(downloadFile(task, { ...base, hubOrigin: 'https://hub.example.invalid' }), (err: unknown) => {
      assert.ok(err instanceof DownloadError);
      assert.match(err.message, /refusing a redirect to 127\.0\.0\.1:\d+, a loopback, link-local or private address/);
      return true;
    });
    assert.equal(cdnHits, 0, 'the refused target was never contacted');
    // HF_ENDPOINT on loopback itself (a mirror, the simulator): followed
    const ok = await downloadFile(task, { ...base, hubOrigin: hub.origin });
    assert.equal(ok.sha256, sha);
  });
});
