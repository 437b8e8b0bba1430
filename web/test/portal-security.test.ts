import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { buildWebApp } from '../src/app.ts';
import { normalizeSelection, SELECTION_MAX } from '../src/format.ts';
import { adminQuery } from '../../api/test/helpers/db.ts';
import { Browser, startStack, type Stack } from './helpers/stack.ts';

const alert = (body: string) => /class="error" role="alert">([^<]+)</.exec(body)?.[1];

describe('normalizeSelection', () => {
  it('drops what a checked folder covers, keeps the rest once, in order', () => {
    const out = normalizeSelection([
      { type: 'file', path: 'a/b/c.bin' },
      { type: 'dir', path: 'a/b' },
      { type: 'file', path: 'a/bc.bin' },
      { type: 'dir', path: 'a/b' },
      { type: 'file', path: 'a/b' },
      { type: 'dir', path: 'x' },
      { type: 'dir', path: 'x/y' },
      { type: 'file', path: 'top.txt' },
    ]);
    assert.deepEqual(out, [
      { type: 'dir', path: 'a/b' },
      { type: 'file', path: 'a/bc.bin' },
      { type: 'file', path: 'a/b' },
      { type: 'dir', path: 'x' },
      { type: 'file', path: 'top.txt' },
    ]);
  });

  it('handles the largest allowed form, 20,000 folders deep and wide, in one pass', () => {
    const items = Array.from({ length: SELECTION_MAX }, (_, i) => ({ type: 'dir' as const, path: `d${i % 100}/${'s/'.repeat(i % 50)}leaf${i}` }));
    items.push({ type: 'dir', path: 'd7' });
    const out = normalizeSelection(items);
    assert.equal(out.filter((i) => i.path.startsWith('d7/')).length, 0);
    assert.equal(out.length, SELECTION_MAX - SELECTION_MAX / 100 + 1);
  });
});

describe('portal security', () => {
  let s: Stack;
  const password = 'correct horse battery';
  before(async () => {
    s = await startStack({ LOGIN_RATE_LIMIT: '100' });
    assert.equal((await new Browser(s.webUrl).post('/register', { username: 'root', password }, '/register')).status, 303);
  });
  after(() => s.close());
  const loggedIn = async (username = 'root', pw = password) => {
    const b = new Browser(s.webUrl);
    const r = await b.post('/login', { username, password: pw, next: '/' });
    assert.equal(r.status, 303, r.body);
    return b;
  };

  it('marks signed-in pages no-store', async () => {
    const b = await loggedIn();
    for (const path of ['/', '/jobs', '/models', '/users']) {
      const r = await b.get(path);
      assert.equal(r.status, 200, path);
      assert.equal(r.headers.get('cache-control'), 'no-store', path);
    }
  });

  it('refuses an oversized selection with a clear 413 page, and stays responsive', async () => {
    const b = await loggedIn();
    const form = { author: 'acme', repo: 'tiny-model', revision: 'main', url: 'acme/tiny-model' };
    const dirs = (n: number) => Array.from({ length: n }, (_, i) => `dir:folder/${i}`);
    const huge = await b.post('/downloads', { ...form, sel: dirs(40_000) }, '/');
    assert.equal(huge.status, 413);
    assert.match(huge.body, /Too much data/);
    assert.match(alert(huge.body) ?? '', /Select at most 20,000 files and folders at once/);
    const over = await b.post('/downloads', { ...form, sel: dirs(SELECTION_MAX + 1) }, '/');
    assert.equal(over.status, 413);
    assert.match(alert(over.body) ?? '', /^20,001 items were selected\. That form was too large/);
    assert.equal((await b.get('/jobs')).status, 200);
  });

  it('gives a replayed refresh token nothing once its session was renewed, and keeps the session', async () => {
    const a = await loggedIn();
    const thief = new Browser(s.webUrl);
    thief.cookies.set('d011dl_rt', a.cookies.get('d011dl_rt')!);
    a.cookies.delete('d011dl_at'); // as if it had expired: the next page renews the session
    assert.equal((await a.get('/jobs')).status, 200);
    const replay = await thief.request('GET', '/jobs', undefined, 0);
    assert.equal(replay.status, 307, 'asked to come back with the renewed cookies it does not have');
    assert.deepEqual(
      replay.headers.getSetCookie().filter((c) => /^d011dl_(at|rt)=./.test(c)),
      [],
      'no tokens handed out',
    );
    assert.equal((await a.get('/jobs')).status, 200, 'the renewed session goes on');
  });

  it('keeps the session of a browser that went away while its session was being renewed', async () => {
    const a = await loggedIn();
    const oldRefresh = a.cookies.get('d011dl_rt')!;
    a.cookies.delete('d011dl_at'); // expired: the next page renews the session first
    const revoked = async () =>
      (
        await adminQuery(
          'SELECT revoked_at FROM refresh_tokens WHERE token_hash = $1',
          [createHash('sha256').update(decodeURIComponent(oldRefresh)).digest('hex')],
          s.api.config.pg!.database,
        )
      ).rows[0]?.revoked_at != null;
    // a slow page (the Hub answers late), left by the browser after the renewal, before any answer
    s.sim.faults.set({ latencyMs: 3000 });
    const ctl = new AbortController();
    const slow = fetch(`${s.webUrl}/?${new URLSearchParams({ url: `${s.sim.url}/acme/tiny-model` })}`, {
      headers: { cookie: [...a.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
      signal: ctl.signal,
      redirect: 'manual',
    }).catch(() => null);
    try {
      while (!(await revoked())) await new Promise((r) => setTimeout(r, 20));
      ctl.abort();
      assert.equal(await slow, null, 'left before any answer');
    } finally {
      s.sim.faults.reset();
    }
    const next = await a.get('/jobs');
    assert.equal(next.status, 200, `the renewed pair it never received is handed over once (${next.status} ${next.location} ${alert(next.body)})`);
    assert.notEqual(a.cookies.get('d011dl_rt'), oldRefresh);
    assert.equal((await a.get('/jobs')).status, 200);
  });

  it('lets an administrator manage accounts; a disabled user is out at once', async () => {
    const admin = await loggedIn();
    const users = await admin.get('/users');
    assert.match(users.body, /<a href="\/users" aria-current="page">Users<\/a>/, 'the nav has Users, marked as the page shown');
    // the API's validation message reaches the page in words, no schema path (body.password: …)
    const short = await admin.post('/users', { username: 'bob', password: 'short' }, '/users');
    assert.equal(short.status, 400);
    assert.equal(alert(short.body), 'Password must be at least 8 characters');
    const created = await admin.post('/users', { username: 'bob', password: 'bob-password' }, '/users');
    assert.equal(created.status, 303, created.body);
    const bob = await loggedIn('bob', 'bob-password');
    assert.doesNotMatch((await bob.get('/')).body, /href="\/users"/, 'no Users link for others');
    const denied = await bob.get('/users');
    assert.equal(denied.status, 403);
    assert.match(alert(denied.body) ?? '', /Only administrators/);

    const list = (await admin.get('/users')).body;
    const id = /action="\/users\/([0-9a-f-]{36})\/disable"><input[^>]+><button type="submit" aria-label="Disable bob">/.exec(list)?.[1];
    assert.ok(id, 'a Disable button for bob');
    assert.equal((await admin.post(`/users/${id}/disable`, {}, '/users')).status, 303);
    const out = await bob.get('/jobs');
    assert.equal(out.status, 303, 'signed out on the next request');
    assert.match(out.location ?? '', /^\/login/);
    const again = await new Browser(s.webUrl).post('/login', { username: 'bob', password: 'bob-password', next: '/' });
    assert.equal(again.status, 401);
    assert.match(again.body, /This account is disabled: ask an administrator/);
    assert.match((await admin.get('/users')).body, /<strong>bob<\/strong>\s*<span class="badge bad">disabled<\/span>/);

    assert.equal((await admin.post(`/users/${id}/enable`, {}, '/users')).status, 303);
    const reset = await admin.post(`/users/${id}/password`, { password: 'bobs-new-password' }, '/users');
    assert.equal(reset.status, 303);
    assert.match(new URLSearchParams((reset.location ?? '').split('?')[1]).get('notice') ?? '', /^New password set for bob; their sessions have ended\.$/);
    await loggedIn('bob', 'bobs-new-password');
    const page = (await admin.get('/users')).body;
    assert.match(page, /<strong>root<\/strong>[\s\S]*?<p class="muted">This is you\.<\/p>/);
    assert.equal([...page.matchAll(/aria-label="Disable /g)].length, 1, 'only bob can be disabled here, not oneself');
  });
});

describe('portal and API sharing PORTAL_SECRET', () => {
  let s: Stack;
  const secret = 'a-portal-secret-of-at-least-32-characters';
  before(async () => {
    s = await startStack({ LOGIN_RATE_LIMIT: '2', TRUST_PROXY: 'loopback', PORTAL_SECRET: secret }, { trustProxy: 'loopback', portalSecret: secret });
  });
  after(() => s.close());

  it('the API believes the browser addresses the portal passes on; not those of a portal without the secret', async () => {
    const attempt = (base: string, from: string) =>
      new Browser(base, { 'x-forwarded-for': from }).post('/login', { username: 'carol', password: 'not-her-password', next: '/' });
    const a = [];
    for (let i = 0; i < 3; i++) a.push((await attempt(s.webUrl, '203.0.113.20')).status);
    assert.deepEqual(a, [401, 401, 429]);
    assert.equal((await attempt(s.webUrl, '203.0.113.21')).status, 401, 'another browser is still allowed to try');

    // another local process posing as a portal, without the secret: counted as one address
    const rogue = buildWebApp({ apiBaseUrl: s.apiUrl, trustProxy: 'loopback' }).listen(0, '127.0.0.1');
    await new Promise((r) => rogue.once('listening', r));
    try {
      const base = `http://127.0.0.1:${(rogue.address() as AddressInfo).port}`;
      const codes = [];
      for (let i = 0; i < 3; i++) codes.push((await attempt(base, `198.51.100.${i}`)).status);
      assert.deepEqual(codes, [401, 401, 429]);
    } finally {
      rogue.close();
    }
  });
});
