// The CLI starts both servers, takes fault knobs and a JSON catalog, and exits cleanly on SIGTERM.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { getJson, request } from './helpers.ts';

const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

test('cli: --port 0, --bandwidth-per-conn, --latency, --catalog, live-Hub knobs; SIGTERM stops it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hubsim-cli-'));
  const catalog = join(dir, 'catalog.json');
  await writeFile(
    catalog,
    JSON.stringify({
      extendsDefault: true,
      tokens: { hf_carol_token: 'carol' },
      repos: [{ id: 'carol/extra', commits: [{ id: 'c1', files: { 'a.txt': 'A\n' } }], refs: { branches: { main: 'c1' } } }],
    }),
  );
  const live = [
    '--outage',
    '600:503:cdn',
    '--cdn-etag',
    'none',
    '--signed-urls',
    'cloudfront',
    '--url-ttl',
    '60',
    '--quota-anon',
    '7/9',
    '--gzip',
    'off',
    '--max-plain-get',
    '10GB',
    '--bridge-max',
    'off',
  ];
  const child = spawn(process.execPath, [CLI, '--port', '0', '--bandwidth-per-conn', '25MB', '--latency', '3', '--catalog', catalog, ...live], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    let out = '';
    const hub = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /hubsim hub (http:\/\/localhost:\d+)/.exec(out);
        if (m?.[1] && /hubsim cdn http:\/\/127\.0\.0\.1:\d+/.test(out)) resolve(m[1]);
      });
      child.once('exit', (code) => reject(new Error(`cli exited early (${code}): ${out}`)));
    });
    const faults = await getJson<{ bandwidthPerConn: number; latencyMs: number }>(hub, '/_sim/faults');
    assert.equal(faults.json.bandwidthPerConn, 25_000_000);
    assert.equal(faults.json.latencyMs, 3);
    assert.deepEqual({ ...(faults.json as { outage?: { seconds: number } }).outage, seconds: 0 }, { mode: '503', server: 'cdn', seconds: 0 });
    const settings = await getJson<Record<string, unknown>>(hub, '/_sim/live');
    assert.deepEqual(settings.json, {
      cdnEtag: 'none',
      signedUrls: 'cloudfront',
      urlTtlSeconds: 60,
      // the CLI enforces live quotas unless told otherwise; --quota-anon changes only the anonymous ones
      rateLimits: { windowSeconds: 300, anonymous: { api: 7, resolvers: 9 }, user: { api: 1000, resolvers: 5000 } },
      gzip: false,
      maxPlainGetSize: 10e9,
      bridgeMaxSize: false,
    });
    const info = await request(hub, '/api/models/acme/tiny-model');
    assert.equal(info.status, 200);
    assert.match(String(info.headers.ratelimit), /^"api";r=6;t=\d+$/);
    const extra = await request(hub, '/carol/extra/resolve/main/a.txt', { method: 'HEAD', headers: { Authorization: 'Bearer hf_carol_token' } });
    assert.equal(extra.status, 307);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
});

test('cli: a bad live knob is refused with the usage', async () => {
  const child = spawn(process.execPath, [CLI, '--port', '0', '--cdn-etag', 'sometimes'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  assert.equal(code, 1);
  assert.match(err, /cdnEtag must be one of none, per-response, stable/);
  assert.match(err, /usage: hubsim/);
});
