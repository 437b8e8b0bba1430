// Live-Hub behaviours on the hub side: rate limits, outages, auth-check, the paths-info cap, /_sim/live.
import assert from 'node:assert/strict';
import { get as httpGet } from 'node:http';
import { after, afterEach, before, describe, test } from 'node:test';
import { LIVE_RATE_LIMITS, liveDefaults, startHubSim } from '../src/index.ts';
import type { HubSim } from '../src/index.ts';
import { ALICE, BOB, eventually, getJson, request } from './helpers.ts';

let sim: HubSim;
/** one IP for every request (localhost may be ::1 or 127.0.0.1, and each IP has its own quota) */
let hub: string;

before(async () => {
  // the CLI's configuration: live quotas on (startHubSim leaves them off, see liveDefaults)
  sim = await startHubSim({ live: { rateLimits: true } });
  hub = sim.url.replace('localhost', '127.0.0.1');
});
afterEach(() => {
  sim.live.reset();
  sim.faults.reset();
});
after(() => sim.close());

const API = '/api/models/acme/tiny-model/refs';
const RESOLVE = '/acme/tiny-model/resolve/main/config.json';

describe('rate limits', () => {
  test('live quotas; every counted response carries RateLimit headers', async () => {
    assert.deepEqual(liveDefaults().rateLimits, LIVE_RATE_LIMITS, 'the live quotas by default');
    assert.deepEqual(sim.live.get().rateLimits, { windowSeconds: 300, anonymous: { api: 500, resolvers: 3000 }, user: { api: 1000, resolvers: 5000 } });
    const api = await request(hub, API);
    assert.match(String(api.headers.ratelimit), /^"api";r=499;t=(300|299)$/);
    assert.equal(api.headers['ratelimit-policy'], '"fixed window";"api";q=500;w=300');
    const res = await request(hub, RESOLVE, { method: 'HEAD', headers: ALICE });
    assert.match(String(res.headers.ratelimit), /^"resolvers";r=4999;t=\d+$/);
    assert.equal(res.headers['ratelimit-policy'], '"fixed window";"resolvers";q=5000;w=300');
    // the second hop of a resolve, the CDN and /_sim are not counted
    const cache = await request(hub, String(res.headers.location), { method: 'HEAD' });
    assert.equal(cache.headers.ratelimit, undefined);
  });

  test('exhausted: 429 with RateLimit r=0;t=<reset> and the policy, until the window turns', async () => {
    sim.live.set({ rateLimits: { anonymous: { api: 3, resolvers: 2 }, user: { api: 5 } } });
    for (let i = 2; i >= 0; i--) assert.match(String((await request(hub, API)).headers.ratelimit), new RegExp(`^"api";r=${i};t=\\d+$`));
    const limited = await request(hub, API);
    assert.equal(limited.status, 429);
    const t = Number(/^"api";r=0;t=(\d+)$/.exec(String(limited.headers.ratelimit))?.[1]);
    assert.ok(t > 0 && t <= 300, String(t));
    assert.equal(limited.headers['ratelimit-policy'], '"fixed window";"api";q=3;w=300');
    assert.match(JSON.parse(limited.body.toString()).error, /Rate limit reached for the "api" bucket: 3 requests per 300 s/);
    // buckets and users are counted apart
    assert.equal((await request(hub, RESOLVE, { method: 'HEAD' })).status, 307);
    const alice = await request(hub, API, { headers: ALICE });
    assert.equal(alice.status, 200);
    assert.equal(alice.headers['ratelimit-policy'], '"fixed window";"api";q=5;w=300');
    // a tree page is an API call too
    assert.equal((await request(hub, '/api/models/acme/tiny-model/tree/main')).status, 429);
    // a shorter window applies to the running one: it turns, and the quota is back
    sim.live.update({ rateLimits: { windowSeconds: 1 } });
    const ok = await eventually(async () => ((await request(hub, API)).status === 200 ? true : undefined));
    assert.ok(ok);
  });

  test('resolvers: HEAD and GET of /resolve/ spend it; off switches limits off', async () => {
    sim.live.set({ rateLimits: { anonymous: { resolvers: 1 } } });
    assert.equal((await request(hub, RESOLVE)).status, 307);
    const limited = await request(hub, RESOLVE, { method: 'HEAD' });
    assert.equal(limited.status, 429);
    assert.match(String(limited.headers.ratelimit), /^"resolvers";r=0;t=\d+$/);
    sim.live.update({ rateLimits: false });
    const free = await request(hub, RESOLVE, { method: 'HEAD' });
    assert.equal(free.status, 307);
    assert.equal(free.headers.ratelimit, undefined);
  });

  test('over HTTP: PATCH /_sim/live, DELETE /_sim/live/rate-limits forgets the windows', async () => {
    const patched = await request(hub, '/_sim/live', { method: 'PATCH', body: JSON.stringify({ rateLimits: { anonymous: { api: 1 } }, cdnEtag: 'none' }) });
    assert.equal(patched.status, 200);
    assert.equal(JSON.parse(patched.body.toString()).cdnEtag, 'none');
    assert.equal((await request(hub, API)).status, 200);
    assert.equal((await request(hub, API)).status, 429);
    assert.equal((await request(hub, '/_sim/live/rate-limits', { method: 'DELETE' })).status, 200);
    assert.equal((await request(hub, API)).status, 200);
    const bad = await request(hub, '/_sim/live', { method: 'PATCH', body: JSON.stringify({ cdnEtag: 'sometimes' }) });
    assert.equal(bad.status, 400);
    assert.match(JSON.parse(bad.body.toString()).error, /cdnEtag must be one of none, per-response, stable/);
    const unknown = await request(hub, '/_sim/live', { method: 'POST', body: JSON.stringify({ etag: 'none' }) });
    assert.equal(unknown.status, 400);
    const reset = await getJson<{ cdnEtag: string }>(hub, '/_sim/live');
    assert.equal(reset.json.cdnEtag, 'none', 'a refused change changes nothing');
    assert.equal((await request(hub, '/_sim/live', { method: 'DELETE' })).status, 200);
    assert.equal(sim.live.get().cdnEtag, 'per-response');
  });
});

describe('outages', () => {
  async function cdnTarget(): Promise<URL> {
    return new URL(String((await request(hub, '/acme/tiny-model/resolve/main/model.safetensors', { method: 'HEAD' })).headers.location));
  }

  test('refuse on the hub: connections refused, the CDN unaffected, back after the given seconds', async () => {
    const cdn = await cdnTarget();
    sim.faults.update({ outage: { seconds: 600, mode: 'refuse', server: 'hub' } });
    assert.equal(sim.faults.get().outage?.mode, 'refuse');
    const refused = await request(hub, API);
    assert.equal(refused.status, 0);
    assert.match(String((refused.error as NodeJS.ErrnoException | undefined)?.code), /ECONNREFUSED/);
    assert.equal((await request(cdn.origin, cdn.pathname + cdn.search, { method: 'HEAD' })).status, 200);
    // a new, short outage replaces it and ends by itself
    sim.faults.update({ outage: { seconds: 0.2, mode: 'refuse', server: 'hub' } });
    const back = await eventually(async () => ((await request(hub, API)).status === 200 ? true : undefined));
    assert.ok(back);
    assert.equal(sim.faults.get().outage, undefined);
  });

  test('drop on the CDN cuts running downloads and new connections; reset() ends it at once', async () => {
    const cdn = await cdnTarget();
    sim.faults.set({ bandwidthPerConn: 200_000 });
    // a download that is flowing (first bytes in) when the outage starts
    const cut = await new Promise<{ bytes: number; error?: Error }>((resolve) => {
      let bytes = 0;
      const req = httpGet(cdn, (res) => {
        res.once('data', () => sim.faults.update({ outage: { seconds: 600, mode: 'drop', server: 'cdn' } }));
        res.on('data', (c: Buffer) => (bytes += c.length));
        res.on('close', () => resolve(res.complete ? { bytes } : { bytes, error: new Error('cut') }));
      });
      req.on('error', (error) => resolve({ bytes, error }));
    });
    assert.ok(cut.error, 'the running download is cut');
    assert.ok(cut.bytes < 3 * 1024 * 1024 + 5);
    const dropped = await request(cdn.origin, cdn.pathname + cdn.search, { method: 'HEAD' });
    assert.equal(dropped.status, 0);
    assert.ok(dropped.error);
    assert.equal((await request(hub, API)).status, 200);
    sim.faults.reset();
    assert.equal((await request(cdn.origin, cdn.pathname + cdn.search, { method: 'HEAD' })).status, 200);
  });

  test('503 on both over HTTP; /_sim stays reachable', async () => {
    const cdn = await cdnTarget();
    const set = await request(hub, '/_sim/faults', { method: 'PATCH', body: JSON.stringify({ outage: { seconds: 600, mode: '503' } }) });
    assert.equal(set.status, 200);
    assert.equal((await request(hub, API)).status, 503);
    assert.equal((await request(cdn.origin, cdn.pathname + cdn.search, { method: 'HEAD' })).status, 503);
    assert.equal(sim.stats.requests.at(-1)?.fault, 'outage');
    assert.equal((await request(hub, '/_sim/faults', { method: 'PATCH', body: JSON.stringify({ outage: null }) })).status, 200);
    assert.equal((await request(hub, API)).status, 200);
    const bad = await request(hub, '/_sim/faults', { method: 'PATCH', body: JSON.stringify({ outage: { seconds: 0 } }) });
    assert.equal(bad.status, 400);
  });
});

describe('auth-check and paths-info limits', () => {
  const cases: Array<[string, Record<string, string>, number, string | undefined]> = [
    ['acme/tiny-model', {}, 200, undefined],
    ['acme/gated-model', ALICE, 200, undefined],
    ['acme/gated-model', BOB, 403, 'GatedRepo'],
    ['acme/gated-model', {}, 401, 'GatedRepo'],
    ['acme/private-model', BOB, 404, 'RepoNotFound'],
    ['acme/nope', ALICE, 404, 'RepoNotFound'],
  ];
  for (const [repo, headers, status, code] of cases) {
    test(`auth-check ${repo} ${headers.Authorization ?? 'anonymous'} → ${status} ${code ?? ''}`, async () => {
      const res = await request(hub, `/api/models/${repo}/auth-check`, { headers });
      assert.equal(res.status, status);
      assert.equal(res.headers['x-error-code'], code);
    });
  }

  test('paths-info takes at most 1,000 paths: 413 beyond', async () => {
    const paths = (n: number) => JSON.stringify({ paths: Array.from({ length: n }, (_, i) => `data/0/0/item-${String(i).padStart(4, '0')}.txt`) });
    const json = { 'Content-Type': 'application/json' };
    const ok = await request(hub, '/api/models/acme/many-files/paths-info/main', { method: 'POST', headers: json, body: paths(1000) });
    assert.equal(ok.status, 200);
    const tooMany = await request(hub, '/api/models/acme/many-files/paths-info/main', { method: 'POST', headers: json, body: paths(1001) });
    assert.equal(tooMany.status, 413);
    assert.match(String(tooMany.headers['x-error-message']), /1001 .* at most 1000/);
  });
});
