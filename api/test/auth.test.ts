import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { bearer, registerAndLogin, startTestApp, type TestApp } from './helpers/app.ts';

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
function jwt(header: object, payload: object, secret: string | null): string {
  const head = `${b64(header)}.${b64(payload)}`;
  if (secret === null) return `${head}.`;
  const alg = (header as { alg: string }).alg === 'HS512' ? 'sha512' : 'sha256';
  return `${head}.${createHmac(alg, secret).update(head).digest('base64url')}`;
}

describe('auth', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof registerAndLogin>>;
  before(async () => {
    t = await startTestApp({ ALLOW_REG: 'false', LOGIN_RATE_LIMIT: '5' });
    admin = await registerAndLogin(t.app, 'root', 'first-user-pass');
  });
  after(() => t.close());
  const post = (url: string, payload: object, headers = {}) => t.app.inject({ method: 'POST', url, payload, headers });

  it('the first user to register becomes admin, and registration then closes', async () => {
    const me = await t.app.inject({ url: '/auth/me', headers: bearer(admin.token) });
    assert.equal(me.statusCode, 200);
    assert.equal(me.json().is_admin, true);
    assert.equal(me.json().username, 'root');
    assert.ok(me.json().last_login_at, 'login records last_login_at');
    const res = await post('/auth/register', { username: 'second', password: 'long-enough-pw' });
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().error, 'RegistrationClosed');
    assert.deepEqual((await t.app.inject({ url: '/auth/config' })).json(), { registration_open: false, setup_required: false });
  });

  it('admins create users while registration is closed; others may not', async () => {
    const created = await post('/admin/users', { username: 'bob', password: 'bob-password' }, bearer(admin.token));
    assert.equal(created.statusCode, 201);
    assert.equal(created.json().is_admin, false);
    const bob = await post('/auth/login', { username: 'bob', password: 'bob-password' });
    assert.equal(bob.statusCode, 200);
    const denied = await post('/admin/users', { username: 'eve', password: 'eve-password' }, bearer(bob.json().token));
    assert.equal(denied.statusCode, 403);
    const dup = await post('/admin/users', { username: 'BOB', password: 'bob-password2' }, bearer(admin.token));
    assert.equal(dup.statusCode, 409, 'usernames are unique case-insensitively');
  });

  it('login: wrong password and unknown user get the same 401', async () => {
    const wrong = await post('/auth/login', { username: 'root', password: 'not-the-password' });
    const unknown = await post('/auth/login', { username: 'nobody-here', password: 'not-the-password' });
    assert.equal(wrong.statusCode, 401);
    assert.equal(unknown.statusCode, 401);
    assert.equal(wrong.json().message, unknown.json().message);
    assert.doesNotMatch(wrong.body, /token/);
  });

  it('login is rate limited per address and username', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 7; i++) codes.push((await post('/auth/login', { username: 'ratelimited', password: 'whatever-pw' })).statusCode);
    assert.deepEqual(codes.slice(0, 5), [401, 401, 401, 401, 401]);
    assert.equal(codes[6], 429);
    // another username from the same address is not locked out by that
    assert.equal((await post('/auth/login', { username: 'root', password: 'first-user-pass' })).statusCode, 200);
    // without TRUST_PROXY a client cannot dodge the limit by claiming other addresses
    const spoofed = await post('/auth/login', { username: 'ratelimited', password: 'whatever-pw' }, { 'x-forwarded-for': '198.51.100.7' });
    assert.equal(spoofed.statusCode, 429);
  });

  it('protected routes need a valid HS256 token', async () => {
    const { sid } = JSON.parse(Buffer.from(admin.token.split('.')[1]!, 'base64url').toString());
    const claims = { sub: admin.userId, sid, username: 'root', admin: true, iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 600 };
    const secret = t.config.auth.jwtSecret!;
    const cases: Array<[string, Record<string, string>]> = [
      ['no header', {}],
      ['garbage', bearer('not.a.jwt')],
      ['alg none', bearer(jwt({ alg: 'none', typ: 'JWT' }, claims, null))],
      ['wrong secret', bearer(jwt({ alg: 'HS256', typ: 'JWT' }, claims, 'another-secret-another-secret-xx'))],
      ['other algorithm', bearer(jwt({ alg: 'HS512', typ: 'JWT' }, claims, secret))],
      ['expired', bearer(jwt({ alg: 'HS256', typ: 'JWT' }, { ...claims, iat: claims.iat - 3600, exp: claims.iat - 60 }, secret))],
      ['tampered payload', bearer(admin.token.replace(/^([^.]+)\.([^.]+)/, (_m, h) => `${h}.${b64({ ...claims, username: 'x' })}`))],
    ];
    for (const [name, headers] of cases) {
      const res = await t.app.inject({ url: '/auth/me', headers });
      assert.equal(res.statusCode, 401, name);
      assert.equal(res.json().statusCode, 401);
    }
    const expired = await t.app.inject({ url: '/auth/me', headers: cases[5]![1] });
    assert.equal(expired.json().error, 'TokenExpired');
    // the same claims correctly signed are accepted: the refusals above are about the token, not the claims
    assert.equal((await t.app.inject({ url: '/auth/me', headers: bearer(jwt({ alg: 'HS256', typ: 'JWT' }, claims, secret)) })).statusCode, 200);
    for (const url of ['/hf/tree?author=a&repo=b', '/db/models']) {
      assert.equal((await t.app.inject({ url })).statusCode, 401, url);
    }
  });

  it('access tokens expire after 15 minutes', async () => {
    const [, payload] = admin.token.split('.');
    const { iat, exp } = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    assert.equal(exp - iat, 900);
  });

  it('refresh rotates the token; reusing an old one revokes the whole session family', async () => {
    const s = await registerAndLoginAsAdminCreated('carol');
    const r1 = await post('/auth/refresh', { refresh_token: s.refresh });
    assert.equal(r1.statusCode, 200);
    const pair = r1.json();
    assert.ok(pair.token && pair.refresh_token && pair.refresh_token !== s.refresh);
    assert.equal((await t.app.inject({ url: '/auth/me', headers: bearer(pair.token) })).json().username, 'carol');
    // the first refresh token was used: presenting it again is a theft signal
    assert.equal((await post('/auth/refresh', { refresh_token: s.refresh })).statusCode, 401);
    assert.equal((await post('/auth/refresh', { refresh_token: pair.refresh_token })).statusCode, 401, 'the newer token was revoked too');
    assert.equal((await post('/auth/refresh', { refresh_token: 'made-up' })).statusCode, 401);
  });

  it('logout revokes the refresh token', async () => {
    const s = await registerAndLoginAsAdminCreated('dave');
    assert.equal((await post('/auth/logout', { refresh_token: s.refresh })).statusCode, 204);
    assert.equal((await post('/auth/refresh', { refresh_token: s.refresh })).statusCode, 401);
  });

  it('validates input with clear 400s', async () => {
    const short = await post('/admin/users', { username: 'erin', password: 'short' }, bearer(admin.token));
    assert.equal(short.statusCode, 400);
    assert.equal(short.json().message, 'Password must be at least 8 characters');
    assert.deepEqual(short.json().details, [{ path: 'body.password', message: 'must be at least 8 characters' }]);
    const badName = await post('/admin/users', { username: '../etc', password: 'long-enough-pw' }, bearer(admin.token));
    assert.equal(badName.statusCode, 400);
    assert.match(badName.json().message, /^Username /);
    const missing = await post('/admin/users', { password: 'long-enough-pw' }, bearer(admin.token));
    assert.equal(missing.statusCode, 400);
    assert.equal(missing.json().message, 'Username is required', 'zod\'s "Invalid input: expected string, received undefined" reads as a sentence');
    assert.deepEqual(missing.json().details, [{ path: 'body.username', message: 'is required' }]);
    const wrongType = await post('/admin/users', { username: 42, password: 'long-enough-pw' }, bearer(admin.token));
    assert.equal(wrongType.json().message, 'Username must be text');
    const notJson = await t.app.inject({ method: 'POST', url: '/auth/login', payload: '{', headers: { 'content-type': 'application/json' } });
    assert.equal(notJson.statusCode, 400);
  });

  it('never returns password hashes', async () => {
    const res = await t.app.inject({ url: '/auth/me', headers: bearer(admin.token) });
    assert.doesNotMatch(res.body, /password|\$2[aby]\$/);
  });

  async function registerAndLoginAsAdminCreated(username: string) {
    const password = `${username}-password`;
    assert.equal((await post('/admin/users', { username, password }, bearer(admin.token))).statusCode, 201);
    const login = (await post('/auth/login', { username, password })).json();
    return { token: login.token as string, refresh: login.refresh_token as string };
  }
});

describe('auth with ALLOW_REG=true', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ ALLOW_REG: 'true' });
  });
  after(() => t.close());

  it('lets anyone register; only the first is admin; duplicates are 409; short passwords 400', async () => {
    const post = (payload: object) => t.app.inject({ method: 'POST', url: '/auth/register', payload });
    const first = await post({ username: 'first', password: 'password-1' });
    const second = await post({ username: 'second', password: 'password-2' });
    assert.equal(first.statusCode, 201);
    assert.equal(first.json().is_admin, true);
    assert.equal(second.statusCode, 201);
    assert.equal(second.json().is_admin, false);
    assert.equal((await post({ username: 'Second', password: 'password-3' })).statusCode, 409);
    const short = await post({ username: 'third', password: '1234567' });
    assert.equal(short.statusCode, 400);
    assert.match(short.json().message, /at least 8 characters/);
  });

  it('concurrent first registrations produce exactly one admin', async () => {
    const t2 = await startTestApp({ ALLOW_REG: 'true' });
    try {
      const results = await Promise.all(
        ['u1', 'u2', 'u3', 'u4'].map((username) => t2.app.inject({ method: 'POST', url: '/auth/register', payload: { username, password: 'password-x' } })),
      );
      assert.deepEqual(
        results.map((r) => r.statusCode),
        [201, 201, 201, 201],
      );
      assert.equal(results.filter((r) => r.json().is_admin).length, 1);
    } finally {
      await t2.close();
    }
  });
});

describe('auth behind a trusted proxy (TRUST_PROXY names the portal)', () => {
  let t: TestApp;
  // `localhost` is looked up like the portal's service name `web` is in Docker
  before(async () => {
    t = await startTestApp({ LOGIN_RATE_LIMIT: '3', TRUST_PROXY: 'localhost' });
  });
  after(() => t.close());

  it('counts sign-in attempts per browser address forwarded by the proxy', async () => {
    const login = (from: string) =>
      t.app.inject({
        method: 'POST',
        url: '/auth/login',
        payload: { username: 'shared', password: 'wrong-password' },
        headers: { 'x-forwarded-for': from },
        remoteAddress: '127.0.0.1',
      });
    const first: number[] = [];
    for (let i = 0; i < 4; i++) first.push((await login('203.0.113.10')).statusCode);
    assert.deepEqual(first, [401, 401, 401, 429]);
    assert.equal((await login('203.0.113.11')).statusCode, 401, 'another browser behind the same portal is not locked out');
    // a peer that is not the proxy cannot choose its address
    const direct = await t.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { username: 'shared', password: 'wrong-password' },
      headers: { 'x-forwarded-for': '203.0.113.12' },
      remoteAddress: '192.0.2.50',
    });
    assert.equal(direct.statusCode, 401);
    for (let i = 0; i < 3; i++)
      await t.app.inject({
        method: 'POST',
        url: '/auth/login',
        payload: { username: 'shared', password: 'wrong-password' },
        headers: { 'x-forwarded-for': '203.0.113.12' },
        remoteAddress: '192.0.2.50',
      });
    assert.equal((await login('203.0.113.12')).statusCode, 401, 'the untrusted peer was counted under its own address, not the one it claimed');
  });
});

describe('auth behind the portal with PORTAL_SECRET', () => {
  let t: TestApp;
  const secret = 'portal-secret-portal-secret-portal-secret';
  before(async () => {
    t = await startTestApp({ LOGIN_RATE_LIMIT: '2', TRUST_PROXY: 'loopback', PORTAL_SECRET: secret });
  });
  after(() => t.close());
  const login = (from: string, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { username: 'shared', password: 'wrong-password' },
      headers: { 'x-forwarded-for': from, ...headers },
      remoteAddress: '127.0.0.1',
    });

  it('believes X-Forwarded-For from a trusted peer only with the secret', async () => {
    const portal = { 'x-d011dl-portal-secret': secret };
    assert.deepEqual(
      [(await login('203.0.113.10', portal)).statusCode, (await login('203.0.113.10', portal)).statusCode, (await login('203.0.113.10', portal)).statusCode],
      [401, 401, 429],
    );
    assert.equal((await login('203.0.113.11', portal)).statusCode, 401, 'another browser behind the portal is not locked out');
    // a local process without the secret cannot rotate addresses to dodge the limit
    const codes: number[] = [];
    for (const [i, headers] of ([{}, {}, { 'x-d011dl-portal-secret': 'wrong' }] as Array<Record<string, string>>).entries())
      codes.push((await login(`198.51.100.${i}`, headers)).statusCode);
    assert.deepEqual(codes, [401, 401, 429], 'counted under its own address (127.0.0.1), whatever it claimed');
  });
});
