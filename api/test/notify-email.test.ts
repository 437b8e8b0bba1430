// E-mail notifications (issue 17): a user opts in with PUT /me/notifications and gets a mail through a
// real SMTP server on loopback when their own download ends; another user's download sends them none.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startHubSim, type HubSim } from '@d011dl/hubsim';
import { SMTPServer } from 'smtp-server';
import { bearer, registerAndLogin, startTestApp, type TestApp } from './helpers/app.ts';
import { waitForStatus } from './helpers/downloads.ts';
import { freePort } from './helpers/net.ts';

interface Mail {
  from: string;
  to: string[];
  data: string;
  user: string | undefined;
}

async function startSmtp(): Promise<{ port: number; mails: Mail[]; close(): Promise<void> }> {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    // plain SMTP on loopback: no certificate to trust
    disabledCommands: ['STARTTLS'],
    authOptional: false,
    onAuth(auth, _session, cb) {
      if (auth.username === 'mailer' && auth.password === 'p@ss word') cb(null, { user: auth.username });
      else cb(new Error('bad credentials'));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          data: Buffer.concat(chunks).toString('utf8'),
          user: session.user as string | undefined,
        });
        cb();
      });
    },
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { port, mails, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('e-mail notifications', () => {
  let sim: HubSim;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let t: TestApp;
  let alice: string;
  let bob: string;
  before(async () => {
    sim = await startHubSim();
    smtp = await startSmtp();
    t = await startTestApp({
      HF_ENDPOINT: sim.url,
      SMTP_URL: `smtp://mailer:${encodeURIComponent('p@ss word')}@127.0.0.1:${smtp.port}`,
      SMTP_FROM: 'D011DL <downloads@example.org>',
      PUBLIC_URL: 'https://models.example.org',
    });
    alice = (await registerAndLogin(t.app, 'alice')).token;
    assert.equal(
      (await t.app.inject({ method: 'POST', url: '/admin/users', headers: bearer(alice), payload: { username: 'bob', password: 'bob-password' } })).statusCode,
      201,
    );
    bob = (await t.app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'bob', password: 'bob-password' } })).json().token;
  });
  after(async () => {
    await t?.close();
    await smtp?.close();
    await sim?.close();
  });

  const download = async (token: string, revision: string) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/downloads',
      headers: bearer(token),
      payload: { author: 'acme', repo: 'tiny-model', revision, selection: [{ path: 'config.json', type: 'file' }] },
    });
    assert.equal(res.statusCode, 202, res.body);
    const d = await waitForStatus(t.app, token, res.json().download_id, ['succeeded', 'failed']);
    assert.equal(d.status, 'succeeded');
    return d.id as string;
  };
  const waitForMail = async (n: number) => {
    for (const deadline = Date.now() + 60_000; smtp.mails.length < n; await new Promise((r) => setTimeout(r, 50)))
      if (Date.now() > deadline) throw new Error(`only ${smtp.mails.length} mails arrived`);
  };

  it('starts with no e-mail, and refuses an address that is not one', async () => {
    const me = await t.app.inject({ url: '/me/notifications', headers: bearer(alice) });
    assert.deepEqual(me.json(), { email: null, events: [], available: true });
    const bad = await t.app.inject({
      method: 'PUT',
      url: '/me/notifications',
      headers: bearer(alice),
      payload: { email: 'not-an-address', events: ['download.succeeded'] },
    });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().message, /e-mail address/);
  });

  it("mails a user who opted in about their own finished download, and not about someone else's", async () => {
    const put = await t.app.inject({
      method: 'PUT',
      url: '/me/notifications',
      headers: bearer(alice),
      payload: { email: 'alice@example.org', events: ['download.succeeded', 'download.failed'] },
    });
    assert.equal(put.statusCode, 200, put.body);
    assert.deepEqual(put.json(), { email: 'alice@example.org', events: ['download.succeeded', 'download.failed'], available: true });
    // bob's download comes first: were it mailed to alice, it would be the first mail
    await download(bob, 'v1.0');
    const mine = await download(alice, 'main');
    await waitForMail(1);
    const [m] = smtp.mails;
    assert.deepEqual(m!.to, ['alice@example.org']);
    assert.equal(m!.from, 'downloads@example.org');
    assert.equal(m!.user, 'mailer', 'signed in with the account of SMTP_URL');
    assert.match(m!.data, /Subject: Downloaded acme\/tiny-model \(main\)/);
    assert.ok(m!.data.includes(`https://models.example.org/jobs/${mine}`), m!.data);
    // a second download of alice's is the second mail: bob's never came
    await download(alice, 'dev');
    await waitForMail(2);
    assert.match(smtp.mails[1]!.data, /Subject: Downloaded acme\/tiny-model \(dev\)/);
  });

  it('stops when the address is removed', async () => {
    const off = await t.app.inject({ method: 'PUT', url: '/me/notifications', headers: bearer(alice), payload: { email: null, events: [] } });
    assert.deepEqual(off.json(), { email: null, events: [], available: true });
  });
});

describe('e-mail notifications without SMTP_URL', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(() => t?.close());

  it('says e-mail is not available and refuses an address with the reason', async () => {
    const { token } = await registerAndLogin(t.app, 'carol');
    assert.deepEqual((await t.app.inject({ url: '/me/notifications', headers: bearer(token) })).json(), { email: null, events: [], available: false });
    const res = await t.app.inject({
      method: 'PUT',
      url: '/me/notifications',
      headers: bearer(token),
      payload: { email: 'carol@example.org', events: ['download.failed'] },
    });
    assert.equal(res.statusCode, 409);
    assert.match(res.json().message, /SMTP_URL/);
  });
});
