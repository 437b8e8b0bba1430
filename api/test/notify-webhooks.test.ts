// Webhooks (issue 17): one signed event per finished job, retried with backoff, update.available once
// per new commit, the presets' shapes, and the secret in no answer and no log line.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { startHubSim, type HubSim } from '@d011dl/hubsim';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { appPlugin } from '../src/app.ts';
import { loadConfig } from '../src/config/config.ts';
import { createPool, type Db } from '../src/db/pool.ts';
import { bearer, registerAndLogin, testEnv } from './helpers/app.ts';
import { createTestDatabase } from './helpers/db.ts';
import { waitForStatus } from './helpers/downloads.ts';
import { freePort } from './helpers/net.ts';
import { type Received, type Receiver, startReceiver, verifySignature } from './helpers/receiver.ts';

const SECRET = 'a-secret-given-by-the-admin-0123456789';
const PUBLIC_URL = 'https://models.example.org';

describe('webhooks', () => {
  let sim: HubSim;
  let rx: Receiver;
  let app: FastifyInstance;
  let pool: Db;
  let cleanup: () => Promise<void>;
  // every log line the app writes, at trace level
  const lines: string[] = [];
  let admin: string;
  let bob: string;
  const secrets: Record<string, string> = {};
  const hooks: Record<string, string> = {};

  before(async () => {
    sim = await startHubSim();
    rx = await startReceiver();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'd011dl-notify-'));
    const db = await createTestDatabase();
    const config = loadConfig(testEnv(dir, db, { HF_ENDPOINT: sim.url, LOG_LEVEL: 'trace', WEBHOOK_RETRY_BASE_S: '0.05', PUBLIC_URL }));
    // the app as buildApp makes it, with its log lines kept here
    const stream = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    app = Fastify({ logger: { level: 'trace', stream } });
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    await app.register(appPlugin, { config });
    await app.ready();
    pool = createPool(config.pg!, 2);
    cleanup = async () => {
      await pool.end();
      await app.close();
      await db.drop();
      await rm(dir, { recursive: true, force: true });
    };
    admin = (await registerAndLogin(app, 'root', 'root-password')).token;
    const made = await app.inject({ method: 'POST', url: '/admin/users', headers: bearer(admin), payload: { username: 'bob', password: 'bob-password' } });
    assert.equal(made.statusCode, 201, made.body);
    bob = (await app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'bob', password: 'bob-password' } })).json().token;
  });
  after(async () => {
    await cleanup?.();
    await rx?.close();
    await sim?.close();
  });

  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object, token = admin) =>
    app.inject({ method, url, headers: bearer(token), ...(payload ? { payload } : {}) });
  const download = async (payload: object, want: 'succeeded' | 'failed') => {
    const res = await call('POST', '/downloads', payload);
    assert.equal(res.statusCode, 202, res.body);
    const d = await waitForStatus(app, admin, res.json().download_id, ['succeeded', 'failed']);
    assert.equal(d.status, want, JSON.stringify(d));
    return d;
  };
  const json = (r: Received) => JSON.parse(r.body);
  const forJob = (p: string, id: string) => rx.on(p).filter((r) => json(r).download?.id === id);
  const deliveriesOf = async (hook: string, where = 'true', params: unknown[] = []) =>
    (await pool.query(`SELECT * FROM notify_deliveries WHERE webhook_id = $1 AND ${where}`, [hook, ...params])).rows;
  const settled = async (hook: string) =>
    rx
      .waitFor('every delivery settled', () => true)
      .then(async () => {
        for (let i = 0; i < 1200; i++) {
          if ((await deliveriesOf(hook, "state = 'pending'")).length === 0) return;
          await new Promise((r) => setTimeout(r, 50));
        }
        throw new Error(`deliveries of ${hook} still pending`);
      });
  const create = async (name: string, body: object) => {
    const res = await call('POST', '/admin/webhooks', { name, url: `${rx.url}/${name}`, ...body });
    assert.equal(res.statusCode, 201, res.body);
    hooks[name] = res.json().id;
    if (res.json().secret) secrets[name] = res.json().secret;
    return res;
  };

  it('is for administrators only, and refuses bad addresses and events in words', async () => {
    assert.equal((await call('POST', '/admin/webhooks', { url: `${rx.url}/x`, events: ['download.failed'] }, bob)).statusCode, 403);
    assert.equal((await call('GET', '/admin/webhooks', undefined, bob)).statusCode, 403);
    for (const [body, words] of [
      [{ url: 'ftp://example.org/hook', events: ['download.failed'] }, /http:\/\/ or https:\/\//],
      [{ url: 'not a url', events: ['download.failed'] }, /full URL/],
      [{ url: 'https://user:pw@example.org/', events: ['download.failed'] }, /user name or password/],
      [{ url: 'https://example.org/', events: [] }, /at least one event/],
      [{ url: 'https://example.org/', events: ['download.started'] }, /events|download.succeeded/],
      [{ url: 'https://example.org/', events: ['download.failed'], secret: 'short' }, /at least 16/],
    ] as const) {
      const res = await call('POST', '/admin/webhooks', body);
      assert.equal(res.statusCode, 400, JSON.stringify(body));
      assert.match(res.body, words, res.body);
    }
  });

  it('shows a generated secret once, a given one never', async () => {
    const given = await create('generic', { events: ['download.succeeded', 'download.failed'], secret: SECRET });
    secrets.generic = SECRET;
    assert.equal(given.json().secret, undefined);
    assert.equal(given.json().has_secret, true);
    assert.ok(!given.body.includes(SECRET));
    const generated = await create('ntfy', { events: ['download.failed'], preset: 'ntfy' });
    assert.match(generated.json().secret, /^whsec_[0-9a-f]{48}$/);
    await create('discord', { events: ['download.failed'], preset: 'discord' });
    await create('slack', { events: ['download.failed'], preset: 'slack' });
    const list = await call('GET', '/admin/webhooks');
    assert.equal(list.statusCode, 200);
    assert.deepEqual(
      list.json().webhooks.map((w: { name: string }) => w.name),
      ['generic', 'ntfy', 'discord', 'slack'],
    );
    for (const s of Object.values(secrets)) assert.ok(!list.body.includes(s), 'no secret in the list');
    // kept sealed with the server's data key, like the users' Hugging Face tokens
    const stored = (await pool.query<{ secret: string }>('SELECT secret FROM webhooks')).rows.map((r) => r.secret);
    assert.equal(stored.length, 4);
    for (const v of stored) assert.match(v, /^sealed\.v1\./);
    for (const s of Object.values(secrets)) assert.ok(!stored.some((v) => v.includes(s)), 'no secret in plain text in the database');
    const patched = await call('PATCH', `/admin/webhooks/${hooks.ntfy}`, { name: 'phone' });
    assert.equal(patched.json().name, 'phone');
    assert.ok(!patched.body.includes(secrets.ntfy!));
  });

  let okJob: string;
  it('a finished job sends one signed download.succeeded, with links into the portal', async () => {
    okJob = (await download({ author: 'acme', repo: 'tiny-model', revision: 'main', selection: [{ path: 'config.json', type: 'file' }] }, 'succeeded')).id;
    await rx.waitFor('download.succeeded', () => forJob('/generic', okJob).length > 0);
    await settled(hooks.generic!);
    const [r, ...more] = forJob('/generic', okJob);
    assert.equal(more.length, 0, 'exactly one request');
    assert.ok(verifySignature(r!, SECRET), 'the signature verifies with the secret');
    assert.ok(!verifySignature(r!, 'another-secret-entirely'), 'and not with another');
    assert.equal(r!.headers['x-d011dl-event'], 'download.succeeded');
    assert.equal(r!.headers['content-type'], 'application/json');
    const p = json(r!);
    assert.equal(p.event, 'download.succeeded');
    assert.match(p.id, /^[0-9a-f-]{36}$/);
    assert.ok(!Number.isNaN(Date.parse(p.time)));
    assert.deepEqual(
      { ...p.download, bytes_total: typeof p.download.bytes_total },
      {
        id: okJob,
        kind: 'download',
        repo: 'acme/tiny-model',
        revision: 'main',
        commit: sim.commitSha('acme/tiny-model', 'main'),
        status: 'succeeded',
        bytes_total: 'number',
        files_total: 1,
        user: 'root',
        url: `${PUBLIC_URL}/jobs/${okJob}`,
      },
    );
    assert.equal(p.model.repo, 'acme/tiny-model');
    assert.equal(p.model.commit, sim.commitSha('acme/tiny-model', 'main'));
    assert.equal((await deliveriesOf(hooks.generic!, "payload->'download'->>'id' = $2", [okJob])).length, 1, 'one delivery for the job');
    for (const name of ['ntfy', 'discord', 'slack']) assert.equal((await deliveriesOf(hooks[name]!)).length, 0, `${name} wants only failures`);
  });

  let failedJob: string;
  it('a failed job sends download.failed, in each preset’s own shape, every one signed', async () => {
    // every file body GET fails (a HEAD still answers): only this job runs meanwhile
    sim.faults.set({ rules: [{ kind: 'status', status: 404, count: 1000 }] });
    failedJob = (await download({ author: 'acme', repo: 'tiny-model', revision: 'dev', selection: [{ path: 'dev-only.txt', type: 'file' }] }, 'failed')).id;
    sim.faults.reset();
    for (const name of ['generic', 'ntfy', 'discord', 'slack'])
      await rx.waitFor(`${name} got the failure`, () => rx.on(`/${name}`).some((r) => r.headers['x-d011dl-event'] === 'download.failed'));
    await settled(hooks.generic!);
    const [g, ...more] = forJob('/generic', failedJob);
    assert.equal(more.length, 0);
    assert.ok(verifySignature(g!, SECRET));
    const p = json(g!);
    assert.equal(p.event, 'download.failed');
    assert.equal(p.download.status, 'failed');
    assert.match(p.download.error, /1 of 1 files failed/);
    const title = 'Download failed: acme/tiny-model (dev)';

    const [n] = rx.on('/ntfy');
    assert.ok(verifySignature(n!, secrets.ntfy!));
    assert.equal(n!.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(n!.headers.title, title);
    assert.equal(n!.headers.tags, 'x');
    assert.equal(n!.headers.priority, 'high');
    assert.equal(n!.headers.click, `${PUBLIC_URL}/jobs/${failedJob}`);
    assert.equal(n!.body, p.download.error);

    const [dc] = rx.on('/discord');
    assert.ok(verifySignature(dc!, secrets.discord!));
    const d = json(dc!);
    assert.deepEqual(Object.keys(d).sort(), ['content', 'embeds']);
    assert.equal(d.content, title);
    assert.deepEqual(Object.keys(d.embeds[0]).sort(), ['color', 'description', 'timestamp', 'title', 'url']);
    assert.equal(d.embeds[0].title, title);
    assert.equal(d.embeds[0].description, p.download.error);
    assert.equal(d.embeds[0].url, `${PUBLIC_URL}/jobs/${failedJob}`);

    const [sl] = rx.on('/slack');
    assert.ok(verifySignature(sl!, secrets.slack!));
    const s = json(sl!);
    assert.equal(s.text, `${title}: ${p.download.error}`);
    assert.deepEqual(
      s.blocks.map((b: { type: string }) => b.type),
      ['header', 'section'],
    );
    assert.equal(s.blocks[0].text.text, title);
    assert.match(s.blocks[1].text.text, new RegExp(`<${PUBLIC_URL}/jobs/${failedJob}\\|Open in D011DL>`));
  });

  it('retries a failing receiver with backoff: 500, 500, then 200, all three in the delivery log', async () => {
    rx.answer('/flaky', (n) => (n < 2 ? 500 : 200));
    await create('flaky', { events: ['download.succeeded'], secret: SECRET });
    const job = (await download({ author: 'acme', repo: 'tiny-model', revision: 'v1.0', selection: [{ path: 'config.json', type: 'file' }] }, 'succeeded')).id;
    await rx.waitFor('the third attempt', () => rx.on('/flaky').length >= 3);
    await settled(hooks.flaky!);
    const got = rx.on('/flaky');
    assert.equal(got.length, 3);
    assert.ok(got.every((r) => verifySignature(r, SECRET) && json(r).download.id === job));
    assert.equal(new Set(got.map((r) => r.headers['x-d011dl-delivery'])).size, 1, 'one delivery id for all three attempts');
    const log = await call('GET', `/admin/webhooks/${hooks.flaky}/deliveries`);
    assert.equal(log.statusCode, 200, log.body);
    const { attempts, total } = log.json();
    assert.equal(total, 3);
    assert.deepEqual(
      attempts.map((a: { attempt: number; status_code: number; state: string; event: string }) => [a.attempt, a.status_code, a.state, a.event]),
      [
        [3, 200, 'delivered', 'download.succeeded'],
        [2, 500, 'delivered', 'download.succeeded'],
        [1, 500, 'delivered', 'download.succeeded'],
      ],
    );
    assert.match(attempts[1].error, /^HTTP 500: receiver says no/);
    assert.equal(attempts[0].error, null);
    const page = (await call('GET', `/admin/webhooks/${hooks.flaky}/deliveries?limit=1&offset=1`)).json();
    assert.deepEqual([page.total, page.attempts.length, page.attempts[0].attempt], [3, 1, 2]);
  });

  it('sends update.available once per new commit the checker sees', async () => {
    await create('updates', { events: ['update.available'], secret: SECRET });
    const modelId = (await call('GET', '/db/models?author=acme&repo=tiny-model&revision=main')).json()[0].id;
    const old = sim.commitSha('acme/tiny-model', 'main');
    const moved = sim.advanceBranch('acme/tiny-model', 'main', { files: { 'config.json': '{"moved": 1}\n' } });
    assert.equal((await call('POST', `/db/models/${modelId}/check-update`)).json().update_available, true);
    await rx.waitFor('update.available', () => rx.on('/updates').length > 0);
    // the same commit seen again is not news
    assert.equal((await call('POST', `/db/models/${modelId}/check-update`)).statusCode, 200);
    assert.equal((await deliveriesOf(hooks.updates!)).length, 1);
    const [r] = rx.on('/updates');
    assert.ok(verifySignature(r!, SECRET));
    const p = json(r!);
    assert.equal(p.event, 'update.available');
    assert.equal(p.download, undefined);
    assert.deepEqual(
      { id: p.model.id, repo: p.model.repo, revision: p.model.revision, commit: p.model.commit, hub_commit: p.model.hub_commit, url: p.model.url },
      { id: modelId, repo: 'acme/tiny-model', revision: 'main', commit: old, hub_commit: moved, url: `${PUBLIC_URL}/models/${modelId}/changes` },
    );
    // it moves again: that one is news
    const again = sim.advanceBranch('acme/tiny-model', 'main', { files: { 'config.json': '{"moved": 2}\n' } });
    await call('POST', `/db/models/${modelId}/check-update`);
    await rx.waitFor('the second update.available', () => rx.on('/updates').length > 1);
    await settled(hooks.updates!);
    assert.deepEqual(
      rx.on('/updates').map((x) => json(x).model.hub_commit),
      [moved, again],
    );
  });

  it('sends a test on demand, says why one failed, and follows no redirect', async () => {
    const ok = await call('POST', `/admin/webhooks/${hooks.generic}/test`);
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json().ok, true);
    assert.equal(ok.json().status_code, 200);
    const t = rx.on('/generic').find((r) => r.headers['x-d011dl-event'] === 'test');
    assert.ok(t && verifySignature(t, SECRET));
    assert.equal(json(t).event, 'test');

    rx.answer('/moved', () => 302);
    await create('moved', { events: ['download.failed'] });
    const redirected = (await call('POST', `/admin/webhooks/${hooks.moved}/test`)).json();
    assert.deepEqual([redirected.ok, redirected.status_code], [false, 302]);
    assert.match(redirected.error, /redirects are not followed/);

    const closed = await call('POST', '/admin/webhooks', { url: `http://127.0.0.1:${await freePort()}/nobody`, events: ['download.failed'] });
    const refused = (await call('POST', `/admin/webhooks/${closed.json().id}/test`)).json();
    assert.deepEqual([refused.ok, refused.status_code], [false, null]);
    assert.match(refused.error, /could not reach the receiver: ECONNREFUSED/);
    const log = (await call('GET', `/admin/webhooks/${closed.json().id}/deliveries`)).json();
    assert.deepEqual(
      log.attempts.map((a: { event: string; state: string; attempt: number }) => [a.event, a.state, a.attempt]),
      [['test', 'failed', 1]],
    );
  });

  it('a disabled webhook gets nothing; a deleted one is gone', async () => {
    const off = await call('PATCH', `/admin/webhooks/${hooks.slack}`, { enabled: false });
    assert.equal(off.json().enabled, false);
    // every file body GET fails (a HEAD still answers): only this job runs meanwhile
    sim.faults.set({ rules: [{ kind: 'status', status: 404, count: 1000 }] });
    const job = (await download({ author: 'acme', repo: 'tiny-model', revision: 'dev', selection: [{ path: 'dev-only.txt', type: 'file' }] }, 'failed')).id;
    sim.faults.reset();
    assert.equal((await deliveriesOf(hooks.slack!, "payload->'download'->>'id' = $2", [job])).length, 0);
    assert.equal((await deliveriesOf(hooks.discord!, "payload->'download'->>'id' = $2", [job])).length, 1);
    assert.equal((await call('DELETE', `/admin/webhooks/${hooks.slack}`)).statusCode, 204);
    assert.equal((await call('GET', `/admin/webhooks/${hooks.slack}/deliveries`)).statusCode, 404);
    assert.equal((await call('PATCH', `/admin/webhooks/${hooks.slack}`, { enabled: true })).statusCode, 404);
    // each change is in the audit log, by name, with no secret and no receiver path (a Slack URL is its token)
    const audit = await call('GET', '/admin/audit?action=webhook&limit=200');
    const actions = (audit.json().entries as Array<{ action: string; target: string }>).map((e) => `${e.action} ${e.target}`);
    for (const want of ['webhook.create generic', 'webhook.create slack', 'webhook.update phone', 'webhook.update slack', 'webhook.delete slack'])
      assert.ok(actions.includes(want), `${want} in ${actions.join(', ')}`);
    for (const secret of Object.values(secrets)) assert.ok(!audit.body.includes(secret), 'no secret in the audit log');
    assert.ok(!audit.body.includes('/slack'), 'no receiver path in the audit log');
  });

  it('still one event per finished job, and no secret in any log line', async () => {
    assert.equal(forJob('/generic', okJob).length, 1);
    assert.equal(forJob('/generic', failedJob).length, 1);
    const all = lines.join('');
    assert.match(all, /\/admin\/webhooks/, 'the log was captured');
    for (const [name, s] of Object.entries(secrets)) assert.ok(!all.includes(s), `the ${name} secret is in the log`);
  });
});
