// A webhook delivery outlives the API process (issue 17): a receiver that fails while the API stops
// gets the same delivery, once, from the next API on the same database.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startHubSim, type HubSim } from '@d011dl/hubsim';
import { buildApp } from '../src/app.ts';
import { loadConfig, type AppConfig } from '../src/config/config.ts';
import { bearer, registerAndLogin, testEnv } from './helpers/app.ts';
import { createTestDatabase } from './helpers/db.ts';
import { waitForStatus } from './helpers/downloads.ts';
import { type Receiver, startReceiver, verifySignature } from './helpers/receiver.ts';

describe('webhook deliveries across a restart', () => {
  let sim: HubSim;
  let rx: Receiver;
  let dir: string;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let config: AppConfig;
  before(async () => {
    sim = await startHubSim();
    rx = await startReceiver();
    dir = await mkdtemp(path.join(os.tmpdir(), 'd011dl-notify-restart-'));
    db = await createTestDatabase();
    // a retry every 2 s at first: the first API stops long before the second attempt
    config = loadConfig(testEnv(dir, db, { HF_ENDPOINT: sim.url, WEBHOOK_RETRY_BASE_S: '2' }));
  });
  after(async () => {
    await db?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
    await rx?.close();
    await sim?.close();
  });

  it('is sent by the next API after the first stopped', async () => {
    const SECRET = 'restart-secret-0123456789abcdef';
    rx.answer('/hook', (n) => (n === 0 ? 500 : 200));
    const first = await buildApp(config);
    const { token } = await registerAndLogin(first, 'root', 'root-password');
    const hook = await first.inject({
      method: 'POST',
      url: '/admin/webhooks',
      headers: bearer(token),
      payload: { url: `${rx.url}/hook`, events: ['download.succeeded'], secret: SECRET },
    });
    assert.equal(hook.statusCode, 201, hook.body);
    const res = await first.inject({
      method: 'POST',
      url: '/downloads',
      headers: bearer(token),
      payload: { author: 'acme', repo: 'tiny-model', revision: 'main', selection: [{ path: 'config.json', type: 'file' }] },
    });
    const job = res.json().download_id;
    assert.equal((await waitForStatus(first, token, job, ['succeeded', 'failed'])).status, 'succeeded');
    await rx.waitFor('the first attempt', () => rx.on('/hook').length === 1);
    await first.close();

    const second = await buildApp(config);
    try {
      await rx.waitFor('the second attempt, from the second API', () => rx.on('/hook').length === 2);
      const [a, b] = rx.on('/hook');
      assert.equal(a!.headers['x-d011dl-delivery'], b!.headers['x-d011dl-delivery'], 'the same delivery');
      assert.ok(verifySignature(b!, SECRET));
      assert.equal(JSON.parse(b!.body).download.id, job);
      const log = async () => (await second.inject({ url: `/admin/webhooks/${hook.json().id}/deliveries`, headers: bearer(token) })).json();
      for (let i = 0; (await log()).attempts[0]?.state !== 'delivered'; i++) {
        assert.ok(i < 600, 'the second attempt is recorded');
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.deepEqual(
        (await log()).attempts.map((x: { attempt: number; status_code: number }) => [x.attempt, x.status_code]),
        [
          [2, 200],
          [1, 500],
        ],
      );
    } finally {
      await second.close();
    }
  });
});
