// A flood of sign-ins must not starve the rest of the API (issue 11): password hashing runs on its own
// bounded threads (api/src/auth/bcrypt-pool.ts), so /healthz, whose storage probe needs libuv's
// threadpool several times, keeps answering. Compared with /healthz's own idle latency measured here,
// with a generous factor and floor, so a loaded machine passes; bench/auth-flood.ts gives the numbers.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AddressInfo } from 'node:net';
import { registerAndLogin, startTestApp, type TestApp } from './helpers/app.ts';

const CONNECTIONS = 16;
const MAX_EACH = 200;
const SAMPLES = 10;
const FACTOR = 10;
const FLOOR_MS = 500;

const p90 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.9))]!;

describe('a sign-in flood', () => {
  let t: TestApp;
  let base: string;
  before(async () => {
    // the production cost: each attempt is a real bcrypt at 12 rounds
    t = await startTestApp({ BCRYPT_ROUNDS: '12', LOGIN_RATE_LIMIT: '100000', ALLOW_REG: 'true' });
    await registerAndLogin(t.app, 'flooded', 'the-right-password');
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  });
  after(() => t.close());

  async function healthz(): Promise<number> {
    const t0 = performance.now();
    const res = await fetch(`${base}/healthz`);
    await res.arrayBuffer();
    assert.equal(res.status, 200);
    return performance.now() - t0;
  }

  it('does not starve /healthz', async () => {
    const idle: number[] = [];
    for (let i = 0; i < 30; i++) idle.push(await healthz());

    // The flood goes on (each connection sends its next attempt as soon as one is answered) until
    // /healthz has been measured enough times while most of it is in flight.
    let stop = false;
    let inFlight = 0;
    const attempt = async (c: number, i: number) => {
      // half wrong logins (a bcrypt verify each), half registrations (a bcrypt hash each)
      const res =
        c % 2 === 0
          ? await fetch(`${base}/auth/login`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ username: 'flooded', password: `wrong-${c}-${i}` }),
            })
          : await fetch(`${base}/auth/register`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ username: `flood-${c}-${i}`, password: 'long-enough-pw' }),
            });
      await res.arrayBuffer();
      assert.ok(res.status === 401 || res.status === 201, `flood request answered ${res.status}`);
    };
    const flood = Promise.all(
      Array.from({ length: CONNECTIONS }, async (_, c) => {
        for (let i = 0; !stop && i < MAX_EACH; i++) {
          inFlight++;
          try {
            await attempt(c, i);
          } finally {
            inFlight--;
          }
        }
      }),
    );
    const loaded: number[] = [];
    try {
      while (loaded.length < SAMPLES) {
        if (inFlight >= CONNECTIONS / 2) loaded.push(await healthz());
        else await new Promise((r) => setImmediate(r));
      }
    } finally {
      stop = true;
      await flood;
    }

    const limit = Math.max(FACTOR * p90(idle), FLOOR_MS);
    const report = `/healthz p90 idle ${p90(idle).toFixed(1)} ms, under the flood ${p90(loaded).toFixed(1)} ms over ${loaded.length} requests (limit ${limit.toFixed(0)} ms)`;
    assert.ok(p90(loaded) <= limit, report);
    console.log(`# ${report}`);
  });
});
