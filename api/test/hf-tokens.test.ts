// Per-user Hugging Face tokens and changing one's password (issue 17), on the real API process (its log
// output captured whole), real PostgreSQL and hubsim over HTTP.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startHubSim, type HubSim } from '@d011dl/hubsim';
import { testEnv } from './helpers/app.ts';
import { adminQuery, createTestDatabase } from './helpers/db.ts';
import { freePort } from './helpers/net.ts';
import { start, waitFor, waitServing, type Running } from './process/helpers.ts';

const PASSWORD = 'correct horse battery';
const SECRETS = ['hf_alice_token', 'hf_bob_token', 'hf_not_a_real_token'];

describe('per-user Hugging Face tokens', () => {
  let sim: HubSim;
  let dir: string;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let api: Running;
  let url: string;
  let logs = '';
  const dataKey = 'k'.repeat(40);

  async function startApi(extra: Record<string, string> = {}): Promise<void> {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    // no HF_TOKEN: the server has none, so only users' own tokens open the gated repo
    const env = {
      PATH: process.env.PATH!,
      HOME: process.env.HOME ?? dir,
      ...testEnv(dir, db, {
        HF_ENDPOINT: sim.url,
        PORT_API: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'debug',
        LOG_FORMAT: 'json',
        DATA_KEY: dataKey,
        ...extra,
      }),
    };
    api = start('api/src/server.ts', env, dir);
    await waitServing(`${url}/healthz`, api);
  }
  async function stopApi(): Promise<void> {
    logs += api.out();
    api.proc.kill('SIGTERM');
    await api.exited;
  }

  const call = async (method: string, p: string, token?: string, body?: object) => {
    const res = await fetch(url + p, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    for (const s of SECRETS) assert.ok(!text.includes(s), `${method} ${p} answered with a token in its body`);
    return { status: res.status, text, json: text ? JSON.parse(text) : null };
  };
  const login = async (username: string, password = PASSWORD) => {
    const r = await call('POST', '/auth/login', undefined, { username, password });
    assert.equal(r.status, 200, r.text);
    return r.json.token as string;
  };
  const waitDone = (id: string, token: string) =>
    waitFor(
      async () => {
        const d = (await call('GET', `/downloads/${id}`, token)).json;
        return ['succeeded', 'failed'].includes(d.status) ? d : undefined;
      },
      () => `download ${id} did not finish`,
    );

  let alice: string;
  let bob: string;

  before(async () => {
    sim = await startHubSim();
    dir = await mkdtemp(path.join(os.tmpdir(), 'd011dl-hftok-'));
    db = await createTestDatabase();
    await startApi({ ALLOW_REG: 'true' });
    for (const u of ['alice', 'bob']) assert.equal((await call('POST', '/auth/register', undefined, { username: u, password: PASSWORD })).status, 201);
    alice = await login('alice');
    bob = await login('bob');
  });
  after(async () => {
    if (api.proc.exitCode === null) await stopApi();
    await sim.close();
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('saves a token the Hub accepts, says whose it is, and never shows it', async () => {
    const put = await call('PUT', '/me/hf-token', alice, { token: 'hf_alice_token' });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.json.hub_user, 'alice');
    assert.ok(Date.parse(put.json.set_at));
    const got = await call('GET', '/me/hf-token', alice);
    assert.deepEqual({ ...got.json, set_at: null }, { set: true, hub_user: 'alice', set_at: null, problem: null });
    assert.equal((await call('GET', '/me/hf-token', bob)).json.set, false);
    // sealed at rest: neither the token nor its bytes in the clear
    const rows = await adminQuery('SELECT ciphertext, iv, auth_tag, key_version, key_id FROM user_hf_tokens', [], db.name);
    assert.equal(rows.rows.length, 1);
    const raw = JSON.stringify(rows.rows) + rows.rows.map((r) => Buffer.from(r.ciphertext).toString('latin1')).join('');
    assert.ok(!raw.includes('hf_alice_token') && !raw.includes('alice_token'), 'the token is stored in plain text');
    assert.equal(rows.rows[0].key_version, 1);
  });

  it('refuses a token the Hub does not accept (400, nothing saved), and a missing Hub with clear words', async () => {
    const bad = await call('PUT', '/me/hf-token', bob, { token: 'hf_not_a_real_token' });
    assert.equal(bad.status, 400, bad.text);
    assert.equal(bad.json.error, 'HfTokenInvalid');
    assert.match(bad.json.message, /the Hub does not accept this token/i);
    assert.equal((await call('GET', '/me/hf-token', bob)).json.set, false);
    const empty = await call('PUT', '/me/hf-token', bob, { token: '  ' });
    assert.equal(empty.status, 400);
    sim.faults.set({ outage: { seconds: 600, mode: 'refuse', server: 'hub' } });
    try {
      const down = await call('PUT', '/me/hf-token', bob, { token: 'hf_bob_token' });
      assert.equal(down.status, 503, down.text);
      assert.match(down.json.message, /could not be checked because Hugging Face did not answer.*Nothing was saved/);
    } finally {
      sim.faults.reset();
    }
    assert.equal((await call('GET', '/me/hf-token', bob)).json.set, false);
  });

  it("alice's own approved token downloads the gated repo; the job says whose token it used", async () => {
    const info = await call('GET', '/hf/repo-info?author=acme&repo=gated-model', alice);
    assert.equal(info.json.access, 'granted', info.text);
    const res = await call('POST', '/downloads', alice, { author: 'acme', repo: 'gated-model', revision: 'main' });
    assert.equal(res.status, 202, res.text);
    const d = await waitDone(res.json.download_id, alice);
    assert.equal(d.status, 'succeeded', JSON.stringify(d));
    assert.equal(d.hf_token.owner, 'user');
    assert.equal(d.hf_token.hub_user, 'alice');
    assert.match(d.log, /using alice's Hugging Face token \(account alice\)/);
    const jobLog = await readFile(path.join(dir, 'data', 'models', '.d011dl', 'logs', `${d.id}.log`), 'utf8');
    for (const s of SECRETS) assert.ok(!jobLog.includes(s));
  });

  it('bob, with no token and none on the server, gets the gated error naming his account', async () => {
    const info = await call('GET', '/hf/repo-info?author=acme&repo=gated-model', bob);
    assert.equal(info.json.access, 'needs-request');
    // alice's copy is on disk already: "Verify and re-download" still asks the Hub with bob's credentials
    const res = await call('POST', '/downloads', bob, { author: 'acme', repo: 'gated-model', revision: 'main', force: true });
    assert.equal(res.status, 403, res.text);
    assert.equal(res.json.error, 'GatedRepo');
    assert.match(res.json.message, /acme\/gated-model is gated: no Hugging Face token is set for bob and the server has none/);
    assert.match(res.json.message, /add your token under Account/);
    assert.ok(res.json.message.includes(`${sim.url}/acme/gated-model`), 'links the request page');
  });

  it("with his own token, the error names bob's Hub account and links the request page", async () => {
    assert.equal((await call('PUT', '/me/hf-token', bob, { token: 'hf_bob_token' })).json.hub_user, 'bob');
    const res = await call('POST', '/downloads', bob, { author: 'acme', repo: 'gated-model', revision: 'main', force: true });
    assert.equal(res.status, 403, res.text);
    assert.equal(
      res.json.message,
      `acme/gated-model is gated: bob's Hugging Face token (account bob) has no access — request it at ${sim.url}/acme/gated-model`,
    );
    // browsing carries his token too: the tree is public, the refs come back
    assert.equal((await call('GET', '/hf/refs?author=acme&repo=gated-model', bob)).status, 200);
  });

  it('DELETE removes the token; GET then says not set', async () => {
    assert.equal((await call('DELETE', '/me/hf-token', bob)).status, 204);
    assert.deepEqual((await call('GET', '/me/hf-token', bob)).json, { set: false, hub_user: null, set_at: null, problem: null });
  });

  it('a restart with the same DATA_KEY still opens the token; another DATA_KEY reports it unusable, sending nothing', async () => {
    await stopApi();
    await startApi();
    alice = await login('alice');
    const again = await call('POST', '/downloads', alice, { author: 'acme', repo: 'gated-model', revision: 'main', force: true });
    assert.equal(again.status, 202, again.text);
    assert.equal((await waitDone(again.json.download_id, alice)).status, 'succeeded');

    // a job queued under this key and run after the key changed: canceled now, retried below (1 byte/s:
    // even the smallest file cannot finish before the cancel on a loaded machine)
    sim.faults.set({ bandwidthPerConn: 1 });
    const slow = await call('POST', '/downloads', alice, { author: 'acme', repo: 'gated-model', revision: 'main', force: true });
    assert.equal(slow.status, 202, slow.text);
    assert.equal((await call('POST', `/downloads/${slow.json.download_id}/cancel`, alice)).status, 200);
    await waitFor(
      async () => (await call('GET', `/downloads/${slow.json.download_id}`, alice)).json.status === 'canceled',
      () => 'the job was not canceled',
    );
    sim.faults.reset();

    await stopApi();
    await startApi({ DATA_KEY: 'z'.repeat(40) });
    alice = await login('alice');
    sim.stats.reset();
    assert.equal((await call('POST', `/downloads/${slow.json.download_id}/retry`, alice)).status, 200);
    const refused = await waitDone(slow.json.download_id, alice);
    assert.equal(refused.status, 'failed');
    assert.match(refused.error, /Your saved Hugging Face token cannot be used: it was encrypted with another server key/);
    assert.ok(!sim.stats.requests.some((r) => r.path.includes('/resolve/')), 'no file was asked for');
    const status = (await call('GET', '/me/hf-token', alice)).json;
    assert.equal(status.set, true);
    assert.match(status.problem, /cannot be used: it was encrypted with another server key.*Set it again under Account/);
    sim.stats.reset();
    const browse = await call('GET', '/hf/refs?author=acme&repo=gated-model', alice);
    assert.equal(browse.status, 409, browse.text);
    assert.equal(browse.json.error, 'HfTokenUnusable');
    assert.deepEqual(sim.stats.requests, [], 'nothing was sent to the Hub');
  });

  it('PUT /me/password: a wrong current password is refused; the right one changes it and ends other sessions', async () => {
    // JWT_SECRET is new at each start here: sign in again
    bob = await login('bob');
    const other = await login('bob');
    const wrong = await call('PUT', '/me/password', bob, { current_password: 'not my password', new_password: 'a brand new password' });
    assert.equal(wrong.status, 403, wrong.text);
    assert.match(wrong.json.message, /current password is wrong/);
    const weak = await call('PUT', '/me/password', bob, { current_password: PASSWORD, new_password: 'short' });
    assert.equal(weak.status, 400);
    assert.match(weak.json.message, /at least 8 characters/);
    const ok = await call('PUT', '/me/password', bob, { current_password: PASSWORD, new_password: 'a brand new password' });
    assert.equal(ok.status, 200, ok.text);
    assert.ok(ok.json.sessions_ended >= 1);
    assert.equal((await call('GET', '/auth/me', bob)).status, 200, 'the session that changed it stays');
    assert.equal((await call('GET', '/auth/me', other)).status, 401, 'another session ended');
    assert.equal((await call('POST', '/auth/login', undefined, { username: 'bob', password: PASSWORD })).status, 401);
    assert.equal((await call('POST', '/auth/login', undefined, { username: 'bob', password: 'a brand new password' })).status, 200);
  });

  it('the audit log has each token change and the password change, with no secret', async () => {
    alice = await login('alice');
    const audit = await call('GET', '/admin/audit?limit=200', alice);
    assert.equal(audit.status, 200, audit.text);
    const seen = (audit.json.entries as Array<{ action: string; actor: { username: string }; details: Record<string, unknown> }>).map(
      (e) => `${e.action} ${e.actor.username} ${JSON.stringify(e.details)}`,
    );
    for (const want of ['hf_token.set alice {"hub_user":"alice"}', 'hf_token.set bob {"hub_user":"bob"}', 'hf_token.remove bob {}', 'password.change bob'])
      assert.ok(
        seen.some((l) => l.startsWith(want)),
        `${want} in ${seen.join('; ')}`,
      );
    for (const secret of SECRETS) assert.ok(!audit.text.includes(secret), 'no token in the audit log');
    assert.ok(!audit.text.includes('a brand new password'));
  });

  it('no token reached a log line, and the generated key file is not needed with DATA_KEY', async () => {
    await stopApi();
    assert.ok(logs.includes('"route":"/me/hf-token"'), 'the log was captured');
    for (const s of SECRETS) assert.ok(!logs.includes(s), `${s} reached the log`);
    await assert.rejects(stat(path.join(dir, 'data', 'data-key')));
  });
});

describe('the generated data key', () => {
  it('is kept in DATA_DIR with mode 0600 and reused', async () => {
    const { openTokenCipher } = await import('../src/account/token-cipher.ts');
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'd011dl-datakey-'));
    try {
      const config = { dataDir, dataKey: undefined } as Parameters<typeof openTokenCipher>[0];
      const warned: string[] = [];
      const a = await openTokenCipher(config, (m) => warned.push(m));
      assert.equal((await stat(path.join(dataDir, 'data-key'))).mode & 0o777, 0o600);
      assert.equal(warned.length, 1);
      const b = await openTokenCipher(config, (m) => warned.push(m));
      assert.equal(warned.length, 1, 'made once');
      const sealed = a.seal('hf_secret_value', 'user-1');
      assert.equal(b.open(sealed, 'user-1'), 'hf_secret_value');
      assert.throws(() => b.open(sealed, 'user-2'), /damaged/);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
