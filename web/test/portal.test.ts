import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { waitForStatus } from '../../api/test/helpers/downloads.ts';
import { Browser, startStack, type Stack } from './helpers/stack.ts';

const escapeHtml = (t: string) => t.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&#34;').replaceAll("'", '&#39;');

describe('web portal against the real API', () => {
  let s: Stack;
  const password = 'correct horse battery';
  before(async () => {
    // every test signs in afresh: more than the API's default 10 attempts a minute
    s = await startStack({ LOGIN_RATE_LIMIT: '100' });
  });
  after(async () => {
    await s.close();
  });

  const loggedIn = async (username = 'alice') => {
    const b = new Browser(s.webUrl);
    const r = await b.post('/login', { username, password, next: '/' });
    assert.equal(r.status, 303, r.body);
    return b;
  };

  it('sends signed-out visitors to the login page, keeping where they were going', async () => {
    const b = new Browser(s.webUrl);
    for (const path of ['/', '/jobs', '/?url=acme%2Ftiny-model']) {
      const r = await b.get(path);
      assert.equal(r.status, 303, path);
      assert.equal(r.location, `/login?${new URLSearchParams({ next: path })}`);
    }
    const api = await b.get('/api/jobs/00000000-0000-4000-8000-000000000000');
    assert.equal(api.status, 401);
  });

  it('opens a new installation on creating the administrator, then closes registration', async () => {
    const b = new Browser(s.webUrl);
    const login = await b.get('/login');
    assert.equal(login.status, 302, 'nobody can log in yet');
    assert.equal(login.location, '/register');
    const first = await b.get('/register');
    assert.equal(first.status, 200);
    assert.match(first.body, /<h1>Create the administrator account<\/h1>/);
    assert.match(first.body, /the first one you create is the administrator/);
    assert.match(first.body, /<label for="username">Username<\/label>/);
    assert.match(first.body, /<label for="password">Password<\/label>/);
    assert.match(first.body, />Create administrator<\/button>/);
    const short = await b.post('/register', { username: 'alice', password: 'short' }, '/register');
    assert.equal(short.status, 400);
    assert.match(short.body, /at least 8 characters/);
    const reg = await b.post('/register', { username: 'alice', password }, '/register');
    assert.equal(reg.status, 303);
    assert.equal(reg.location, '/');
    const home = await b.get('/');
    assert.equal(home.status, 200);
    assert.match(home.body, /Hugging Face URL/);
    const closed = await new Browser(s.webUrl).get('/login');
    assert.match(closed.body, />Log in<\/button>/);
    assert.doesNotMatch(closed.body, /href="\/register"/, 'registration is closed after the first user');
    assert.equal((await new Browser(s.webUrl).get('/register')).status, 302);
  });

  it('sets HTTP-only SameSite=Lax session cookies and helmet headers', async () => {
    const b = new Browser(s.webUrl);
    await b.get('/login');
    const token = [...(await b.get('/login')).body.matchAll(/name="_csrf" value="([^"]+)"/g)][0]![1]!;
    const res = await fetch(`${s.webUrl}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: [...b.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
      body: new URLSearchParams({ _csrf: token, username: 'alice', password }).toString(),
    });
    assert.equal(res.status, 303);
    const cookies = res.headers.getSetCookie();
    for (const name of ['d011dl_at', 'd011dl_rt']) {
      const c = cookies.find((x) => x.startsWith(`${name}=`));
      assert.ok(c, name);
      assert.match(c, /HttpOnly/);
      assert.match(c, /SameSite=Lax/);
      assert.doesNotMatch(c, /Secure/, 'not Secure over plain HTTP');
    }
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('x-powered-by'), null);
  });

  it('refuses every POST without a valid CSRF token (403)', async () => {
    const b = await loggedIn();
    const bare = new Browser(s.webUrl);
    assert.equal((await bare.request('POST', '/login', { username: 'alice', password })).status, 403, 'no cookie, no token');
    await bare.get('/login');
    assert.equal((await bare.request('POST', '/login', { username: 'alice', password })).status, 403, 'cookie, no token');
    assert.equal((await bare.request('POST', '/login', { username: 'alice', password, _csrf: 'x'.repeat(43) })).status, 403, 'wrong token');
    // a token from another browser does not fit this browser's cookie
    const other = /name="_csrf" value="([^"]+)"/.exec((await new Browser(s.webUrl).get('/login')).body)![1]!;
    assert.equal((await bare.request('POST', '/login', { username: 'alice', password, _csrf: other })).status, 403, 'foreign token');
    const dl = await b.request('POST', '/downloads', { author: 'acme', repo: 'tiny-model', revision: 'main', sel: 'file:config.json' });
    assert.equal(dl.status, 403);
    assert.match(dl.body, /form has expired/);
    assert.equal((await b.request('POST', '/logout')).status, 403);
    assert.equal((await b.get('/')).status, 200, 'still signed in');
  });

  it('rejects a wrong password with the API message', async () => {
    const b = new Browser(s.webUrl);
    const r = await b.post('/login', { username: 'alice', password: 'wrong password!' });
    assert.equal(r.status, 401);
    assert.match(r.body, /class="error" role="alert">[^<]+</);
    assert.ok(!b.cookies.has('d011dl_at'));
  });

  it('shows the API message for a bad URL, never a stack trace', async () => {
    const b = await loggedIn();
    const r = await b.get(`/?${new URLSearchParams({ url: 'https://example.com/not/hugging/face' })}`);
    assert.equal(r.status, 400);
    const msg = /class="error" role="alert">([^<]+)</.exec(r.body)?.[1];
    assert.ok(msg, r.body);
    const api = await fetch(`${s.apiUrl}/hf/parse-url`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${decodeURIComponent(b.cookies.get('d011dl_at')!)}` },
      body: JSON.stringify({ url: 'https://example.com/not/hugging/face' }),
    });
    const expected = ((await api.json()) as { message: string }).message;
    assert.ok(expected.length > 10);
    assert.equal(msg, escapeHtml(expected), 'the API message, word for word');
    assert.doesNotMatch(r.body, /at .*\.ts:\d+/);
    const missing = await b.get(`/?${new URLSearchParams({ url: `${s.sim.url}/acme/no-such-repo` })}`);
    assert.equal(missing.status, 404);
    assert.match(missing.body, /class="error" role="alert">/);
  });

  it('checks a URL: revisions, the file tree with sizes, then downloads the selection to a job page', async () => {
    const b = await loggedIn();
    const r = await b.get(`/?${new URLSearchParams({ url: `${s.sim.url}/acme/tiny-model/tree/dev` })}`);
    assert.equal(r.status, 200, r.body);
    assert.match(r.body, /<label for="revision">Revision<\/label>/);
    assert.match(r.body, /<option value="dev" selected>dev<\/option>/, 'defaults to the URL revision');
    assert.match(r.body, /<option value="v1.0" >v1.0<\/option>/);
    assert.match(r.body, /value="file:config.json"[^>]*aria-label="config.json"/);
    assert.match(r.body, /value="dir:nested"[^>]*aria-label="nested"/);
    assert.match(r.body, /Select all/);
    assert.match(r.body, /\d+(\.\d+)? (B|kB)/);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(r.body)![1]!;
    const none = await b.request('POST', '/downloads', { _csrf: csrf, author: 'acme', repo: 'tiny-model', revision: 'dev' });
    assert.equal(none.status, 400);
    assert.match(none.body, /Select at least one/);
    const dl = await b.request('POST', '/downloads', {
      _csrf: csrf,
      author: 'acme',
      repo: 'tiny-model',
      revision: 'dev',
      sel: ['file:config.json', 'dir:nested', 'file:nested/deep/b.txt'],
    });
    assert.equal(dl.status, 303, dl.body);
    const id = /^\/jobs\/([0-9a-f-]{36})$/.exec(dl.location ?? '')?.[1];
    assert.ok(id, dl.location ?? '');
    const token = decodeURIComponent(b.cookies.get('d011dl_at')!);
    const done = await waitForStatus(s.api.app, token, id, ['succeeded', 'failed']);
    assert.equal(done.status, 'succeeded', JSON.stringify(done));
    const page = await b.get(`/jobs/${id}`);
    assert.equal(page.status, 200);
    assert.match(page.body, /succeeded/);
    // with a place to wrap after each slash on a narrow screen
    assert.ok(page.body.includes(`Open on NAS: <code class="path">${done.local_path.replaceAll('/', '/<wbr>')}</code>`), 'NAS path shown');
    const json = await b.get(`/api/jobs/${id}`);
    assert.equal(json.status, 200);
    assert.equal(JSON.parse(json.body).status, 'succeeded');
    assert.match((await b.get('/jobs')).body, new RegExp(`/jobs/${id}`));
    // the SSE relay: the API's events come through the portal, ending with `end`
    const ac = new AbortController();
    const stream = await fetch(`${s.webUrl}/api/jobs/${id}/stream`, {
      headers: { cookie: [...b.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
      signal: ac.signal,
    });
    assert.equal(stream.status, 200);
    assert.match(stream.headers.get('content-type') ?? '', /text\/event-stream/);
    let sse = '';
    for await (const chunk of stream.body!) {
      sse += Buffer.from(chunk).toString();
      if (sse.includes('event: end')) break;
    }
    ac.abort();
    assert.match(sse, /id: \d+\nevent: end\ndata: \{.*"status":"succeeded"/);
    assert.equal((await new Browser(s.webUrl).get(`/api/jobs/${id}/stream`)).status, 401);
    // the catalog
    const models = await b.get('/models?status=downloaded');
    assert.equal(models.status, 200);
    assert.match(models.body, /<h2>acme\/tiny-model<\/h2>/);
    assert.ok(models.body.includes(done.local_path));
    assert.doesNotMatch((await b.get('/models?author=nobody')).body, /acme\/tiny-model<\/h2>/);
    const again = await b.request('POST', '/downloads', { _csrf: csrf, author: 'acme', repo: 'tiny-model', revision: 'dev', sel: 'file:config.json' });
    assert.equal(again.status, 409);
    assert.match(again.body, /class="error" role="alert">[^<]+</);
  });

  it('folds the folders of a big tree, except along the path in the URL; a small tree is open', async () => {
    const b = await loggedIn();
    const small = await b.get(`/?${new URLSearchParams({ url: `${s.sim.url}/acme/tiny-model` })}`);
    assert.match(small.body, /<details open>\s*<summary>\s*<label class="name"><input [^>]*data-path="nested"/);
    const big = await b.get(`/?${new URLSearchParams({ url: `${s.sim.url}/acme/many-files/tree/main/data/3/7` })}`);
    assert.equal(big.status, 200);
    const openDirs = [...big.body.matchAll(/<details open>\s*<summary>\s*<label class="name"><input [^>]*data-path="([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(openDirs, ['data', 'data/3', 'data/3/7']);
    assert.equal((big.body.match(/data-path="data\/[0-9]\/[0-9]\/item-\d{4}\.txt"/g) ?? []).length, 5000, 'every file is still in the form');
  });

  it('cancels and retries a job from its page', async () => {
    const b = await loggedIn();
    const r = await b.get(`/?${new URLSearchParams({ url: `${s.sim.url}/acme/many-files` })}`);
    assert.equal(r.status, 200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(r.body)![1]!;
    const dl = await b.request('POST', '/downloads', { _csrf: csrf, author: 'acme', repo: 'many-files', revision: 'main', sel: 'dir:data/0' });
    assert.equal(dl.status, 303, dl.body);
    const job = await b.get(dl.location!);
    assert.match(job.body, /action="\/jobs\/[0-9a-f-]+\/cancel"/);
    const jobCsrf = /name="_csrf" value="([^"]+)"/.exec(job.body)![1]!;
    const cancel = await b.request('POST', `${dl.location}/cancel`, { _csrf: jobCsrf });
    assert.equal(cancel.status, 303);
    assert.equal(cancel.location, dl.location);
    const id = dl.location!.split('/').pop()!;
    const token = decodeURIComponent(b.cookies.get('d011dl_at')!);
    assert.equal((await waitForStatus(s.api.app, token, id, ['canceled', 'succeeded', 'failed'])).status, 'canceled');
    const canceled = await b.get(dl.location!);
    // the API's cancel keeps the partials and its retry resumes them: the page says Paused and Resume
    assert.match(canceled.body, /id="job-status">paused</);
    assert.match(canceled.body, /<form method="post" action="\/jobs\/[0-9a-f-]+\/retry" id="resume-form" ><input[^>]*><button type="submit">Resume<\/button>/);
    assert.match(canceled.body, /id="pause-form" hidden>/);
    const retry = await b.request('POST', `${dl.location}/retry`, { _csrf: jobCsrf });
    assert.equal(retry.status, 303);
    assert.equal((await waitForStatus(s.api.app, token, id, ['succeeded', 'failed'], 120_000)).status, 'succeeded');
  });

  it('serves the per-file states of a job as JSON while it runs, for the job page to refresh', async () => {
    const b = await loggedIn();
    const r = await b.get(`/?${new URLSearchParams({ url: `${s.sim.url}/acme/many-files` })}`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(r.body)![1]!;
    const dl = await b.request('POST', '/downloads', { _csrf: csrf, author: 'acme', repo: 'many-files', revision: 'main', sel: 'dir:data/2' });
    assert.equal(dl.status, 303, dl.body);
    const id = dl.location!.split('/').pop()!;
    const job = await b.get(dl.location!);
    assert.match(job.body, /<ul id="job-file-list"/, 'the list the page script refreshes');
    const seen = new Set<string>();
    let last: { files: { path: string; status: string; size_bytes: number; bytes_done: number }[] } = { files: [] };
    let status = '';
    for (const deadline = Date.now() + 120_000; Date.now() < deadline; ) {
      const f = await b.get(`/api/jobs/${id}/files`);
      assert.equal(f.status, 200, f.body);
      assert.equal(f.headers.get('cache-control'), 'no-store');
      last = JSON.parse(f.body);
      for (const x of last.files) seen.add(x.status);
      status = JSON.parse((await b.get(`/api/jobs/${id}`)).body).status;
      if (['succeeded', 'failed', 'canceled'].includes(status)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(status, 'succeeded');
    const token = decodeURIComponent(b.cookies.get('d011dl_at')!);
    const api = (await (await fetch(`${s.apiUrl}/downloads/${id}/files`, { headers: { authorization: `Bearer ${token}` } })).json()) as typeof last;
    assert.deepEqual(JSON.parse((await b.get(`/api/jobs/${id}/files`)).body), api, 'the API answer, passed on');
    assert.ok(last.files.length > 1 && last.files.every((x) => x.path.startsWith('data/2/')), JSON.stringify(last.files.slice(0, 3)));
    assert.ok(seen.has('done'));
    assert.ok(seen.size > 1, `saw the states change while it ran: ${[...seen]}`);
    assert.equal((await b.get('/api/jobs/not-a-uuid/files')).status, 404);
    assert.equal((await new Browser(s.webUrl).get(`/api/jobs/${id}/files`)).status, 401);
  });

  it('relays the SSE stream across a reconnect: Last-Event-ID is passed on and the current state comes first', async () => {
    const b = await loggedIn();
    const r = await b.get(`/?${new URLSearchParams({ url: `${s.sim.url}/acme/many-files` })}`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(r.body)![1]!;
    const dl = await b.request('POST', '/downloads', { _csrf: csrf, author: 'acme', repo: 'many-files', revision: 'main', sel: 'dir:data/3' });
    assert.equal(dl.status, 303, dl.body);
    const id = dl.location!.split('/').pop()!;
    const cookie = [...b.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    type Ev = { id: number; event: string; data: { status: string; bytes_done: number; files_done: number } };
    /** Opens the relay and reads events until `until` says stop; the connection is then dropped. */
    const read = async (headers: Record<string, string>, until: (e: Ev[]) => boolean) => {
      const ac = new AbortController();
      const res = await fetch(`${s.webUrl}/api/jobs/${id}/stream`, { headers: { cookie, ...headers }, signal: ac.signal });
      assert.equal(res.status, 200);
      const events: Ev[] = [];
      let buf = '';
      try {
        for await (const chunk of res.body!) {
          buf += Buffer.from(chunk).toString();
          let i: number;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            const f = Object.fromEntries(
              block
                .split('\n')
                .filter((l) => /^(id|event|data): /.test(l))
                .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]),
            );
            if (f.data) events.push({ id: Number(f.id), event: f.event!, data: JSON.parse(f.data) });
          }
          if (until(events)) break;
        }
      } finally {
        ac.abort();
      }
      return events;
    };
    const first = await read({}, (e) => e.length >= 2 || e.some((x) => x.event === 'end'));
    assert.equal(first[0]!.id, 1);
    const lastId = first.at(-1)!.id;
    // the browser's EventSource reconnects with the last id it saw
    const resumed = await read({ 'last-event-id': String(lastId) }, (e) => e.length >= 1);
    assert.equal(resumed[0]!.id, lastId + 1, 'Last-Event-ID reached the API: the ids go on from it');
    const now = JSON.parse((await b.get(`/api/jobs/${id}`)).body) as Ev['data'];
    assert.ok(['queued', 'running', 'succeeded'].includes(resumed[0]!.data.status), JSON.stringify(resumed[0]));
    assert.ok(resumed[0]!.data.bytes_done >= first.at(-1)!.data.bytes_done, 'the current state, not a replay');
    assert.ok(resumed[0]!.data.bytes_done <= now.bytes_done);
    // a malformed id is not passed on; the stream then runs to its end
    const rest = await read({ 'last-event-id': 'x1' }, (e) => e.some((x) => x.event === 'end'));
    assert.equal(rest[0]!.id, 1);
    assert.equal(rest.at(-1)!.event, 'end');
    assert.equal(rest.at(-1)!.data.status, 'succeeded');
  });

  it('retries the failed files of a catalog revision ("Retry failed")', async () => {
    const b = await loggedIn();
    const r = await b.get(`/?${new URLSearchParams({ url: `${s.sim.url}/acme/tiny-model/tree/v1.0` })}`);
    assert.equal(r.status, 200, r.body);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(r.body)![1]!;
    const sel = [...r.body.matchAll(/value="(file:[^"]+)"/g)].map((m) => m[1]!);
    assert.ok(sel.length >= 2, 'tiny-model has several files');
    const dl = await b.request('POST', '/downloads', { _csrf: csrf, author: 'acme', repo: 'tiny-model', revision: 'v1.0', sel });
    assert.equal(dl.status, 303, dl.body);
    const token = () => decodeURIComponent(b.cookies.get('d011dl_at')!);
    const first = await waitForStatus(s.api.app, token(), dl.location!.split('/').pop()!, ['succeeded', 'failed']);
    assert.equal(first.status, 'succeeded');
    const modelsOf = async () =>
      (await (await fetch(`${s.apiUrl}/db/models?author=acme&repo=tiny-model`, { headers: { authorization: `Bearer ${token()}` } })).json()) as {
        id: string;
        revision: string;
        is_downloaded: boolean;
        local_path: string;
      }[];
    const model = (await modelsOf()).find((m) => m.revision === 'v1.0')!;
    assert.ok(model?.is_downloaded);
    const catalog = await b.get('/models?author=acme&repo=tiny-model');
    assert.doesNotMatch(catalog.body, new RegExp(`action="/models/${model.id}/retry"`), 'nothing to retry');
    const formCsrf = /name="_csrf" value="([^"]+)"/.exec(catalog.body)![1]!;
    const nothing = await b.request('POST', `/models/${model.id}/retry`, { _csrf: formCsrf });
    assert.equal(nothing.status, 303);
    assert.match(decodeURIComponent(nothing.location ?? '').replaceAll('+', ' '), /every file is already downloaded/);

    // a file goes missing on the NAS; Rescan notices it and the catalog offers "Retry failed"
    const lost = sel[0]!.slice('file:'.length);
    await rm(`${model.local_path}/${lost}`);
    const rescan = await b.request('POST', `/models/${model.id}/rescan`, { _csrf: formCsrf });
    assert.equal(rescan.status, 303);
    assert.match(decodeURIComponent(rescan.location ?? '').replaceAll('+', ' '), /1 missing/);
    const after1 = await b.get('/models?author=acme&repo=tiny-model');
    assert.match(
      after1.body,
      new RegExp(
        `action="/models/${model.id}/retry"><input[^>]+><button type="submit" aria-label="Retry failed files of acme/tiny-model v1.0">Retry failed</button>`,
      ),
    );
    const retry = await b.request('POST', `/models/${model.id}/retry`, { _csrf: formCsrf });
    assert.equal(retry.status, 303, retry.body);
    const retryId = /^\/jobs\/([0-9a-f-]{36})$/.exec(retry.location ?? '')?.[1];
    assert.ok(retryId, retry.location ?? '');
    const files = JSON.parse((await b.get(`/api/jobs/${retryId}/files`)).body) as { files: { path: string }[] };
    assert.deepEqual(
      files.files.map((f) => f.path),
      [lost],
      'only the file that was not done',
    );
    assert.equal((await waitForStatus(s.api.app, token(), retryId, ['succeeded', 'failed'])).status, 'succeeded');
    assert.ok((await modelsOf()).find((m) => m.revision === 'v1.0')!.is_downloaded);
    assert.equal((await b.request('POST', '/models/not-a-uuid/retry', { _csrf: formCsrf })).status, 404);
  });

  it("answers the API's 401 TokenExpired with one refresh and carries on", async () => {
    const b = await loggedIn();
    // the same token, signed with the API's key, but expired a minute ago
    const [h, p] = decodeURIComponent(b.cookies.get('d011dl_at')!).split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const now = Math.floor(Date.now() / 1000);
    const body = Buffer.from(JSON.stringify({ ...claims, iat: now - 3600, exp: now - 60 })).toString('base64url');
    const sig = createHmac('sha256', s.api.config.auth.jwtSecret!).update(`${h}.${body}`).digest('base64url');
    const expired = `${h}.${body}.${sig}`;
    const check = await fetch(`${s.apiUrl}/auth/me`, { headers: { authorization: `Bearer ${expired}` } });
    assert.equal(check.status, 401);
    assert.equal(((await check.json()) as { error: string }).error, 'TokenExpired');
    b.cookies.set('d011dl_at', expired);
    const oldRefresh = b.cookies.get('d011dl_rt');
    // two requests at once (a page and its progress poll) must not race the rotating refresh token
    const [home, jobs] = await Promise.all([b.get('/'), b.get('/jobs')]);
    assert.equal(home.status, 200);
    assert.equal(jobs.status, 200);
    assert.notEqual(b.cookies.get('d011dl_at'), expired, 'new access token');
    assert.notEqual(b.cookies.get('d011dl_rt'), oldRefresh, 'refresh token rotated');
    assert.equal((await b.get('/')).status, 200);
    // a token that is not merely expired ends the session
    b.cookies.set('d011dl_at', 'garbage');
    const r = await b.get('/jobs');
    assert.equal(r.status, 303);
    assert.match(r.location ?? '', /^\/login/);
  });

  it('marks cookies Secure behind an HTTPS proxy it trusts', async () => {
    const { buildWebApp } = await import('../src/app.ts');
    const web = buildWebApp({ apiBaseUrl: s.apiUrl, trustProxy: 'loopback' });
    const server = web.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const base = `http://127.0.0.1:${(server.address() as import('node:net').AddressInfo).port}`;
      const res = await fetch(`${base}/login`, { headers: { 'x-forwarded-proto': 'https' } });
      const csrfCookie = res.headers.getSetCookie().find((c) => c.startsWith('d011dl_csrf='));
      assert.match(csrfCookie ?? '', /; Secure/);
      assert.match(res.headers.get('strict-transport-security') ?? '', /max-age=/);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('refreshes an expired access token with the refresh token, and logs out', async () => {
    const b = await loggedIn();
    const oldRefresh = b.cookies.get('d011dl_rt');
    b.cookies.delete('d011dl_at'); // as if it had expired
    const home = await b.get('/');
    assert.equal(home.status, 200);
    assert.ok(b.cookies.get('d011dl_at'), 'new access token');
    assert.notEqual(b.cookies.get('d011dl_rt'), oldRefresh, 'refresh token rotated');
    const out = await b.post('/logout', {}, '/');
    assert.equal(out.status, 303);
    assert.equal(out.location, '/login');
    assert.ok(!b.cookies.has('d011dl_at') && !b.cookies.has('d011dl_rt'));
    assert.equal((await b.get('/')).status, 303);
  });
});

describe('web portal: friendly hints under API errors', () => {
  let s: Stack;
  const password = 'correct horse battery';
  before(async () => {
    // bob may not see acme/gated-model; and no download fits next to a 100 TB reserve
    s = await startStack({ HF_TOKEN: 'hf_bob_token', DISK_RESERVE_MB: String(100 * 1024 * 1024) });
  });
  after(async () => {
    await s.close();
  });
  const hint = (body: string) => /<p class="hint">([^<]+)</.exec(body)?.[1];
  const alert = (body: string) => /class="error" role="alert">([^<]+)</.exec(body)?.[1];

  it('shows the API message and a hint for 403 GatedRepo, 507 InsufficientStorage and 503 StorageUnavailable', async () => {
    const b = new Browser(s.webUrl);
    assert.equal((await b.post('/register', { username: 'carol', password }, '/register')).status, 303);
    const token = decodeURIComponent(b.cookies.get('d011dl_at')!);
    // gated repos list their files publicly and refuse them at download: the API asks before queueing
    const gatedPage = await b.get(`/?${new URLSearchParams({ url: `${s.sim.url}/acme/gated-model` })}`);
    assert.equal(gatedPage.status, 200, gatedPage.body);
    const gatedCsrf = /name="_csrf" value="([^"]+)"/.exec(gatedPage.body)![1]!;
    const direct = await fetch(`${s.apiUrl}/downloads`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ author: 'acme', repo: 'gated-model', revision: 'main', selection: [{ type: 'file', path: 'config.json' }] }),
    });
    assert.equal(direct.status, 403);
    const apiBody = (await direct.json()) as { error: string; message: string };
    assert.equal(apiBody.error, 'GatedRepo');
    const gated = await b.request('POST', '/downloads', { _csrf: gatedCsrf, author: 'acme', repo: 'gated-model', revision: 'main', sel: 'file:config.json' });
    assert.equal(gated.status, 403);
    assert.equal(alert(gated.body), escapeHtml(apiBody.message), 'the API message');
    assert.equal(hint(gated.body), 'Request access on Hugging Face, then add your token under Account (or ask your admin to set HF_TOKEN).');
    assert.doesNotMatch(gated.body, /at .*\.ts:\d+/);

    const page = await b.get(`/?${new URLSearchParams({ url: `${s.sim.url}/acme/tiny-model` })}`);
    assert.equal(page.status, 200);
    assert.equal(hint(page.body), undefined, 'no hint without an error');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const full = await b.request('POST', '/downloads', { _csrf: csrf, author: 'acme', repo: 'tiny-model', revision: 'main', sel: 'file:config.json' });
    assert.equal(full.status, 502);
    // the whole message, reserve included
    assert.match(alert(full.body) ?? '', /^Not enough free space: .* needed, .* free of which .* is kept in reserve \(DISK_RESERVE_MB\)\.$/);
    assert.match(hint(full.body) ?? '', /free some space on the NAS/);

    await rm(s.api.config.storageRoot, { recursive: true, force: true });
    const gone = await b.request('POST', '/downloads', { _csrf: csrf, author: 'acme', repo: 'tiny-model', revision: 'main', sel: 'file:config.json' });
    assert.equal(gone.status, 502);
    assert.match(alert(gone.body) ?? '', /does not exist \(is the storage mounted\?\)/);
    assert.match(hint(gone.body) ?? '', /not to be mounted/);
  });
});

describe('web portal behind a reverse proxy, in front of an API that trusts it', () => {
  let s: Stack;
  before(async () => {
    s = await startStack({ LOGIN_RATE_LIMIT: '2', TRUST_PROXY: 'loopback' }, { trustProxy: 'loopback' });
  });
  after(async () => {
    await s.close();
  });

  it("passes each browser's address on, so the API's sign-in limit locks out one browser, not every user of the portal", async () => {
    const attempt = (from: string) =>
      new Browser(s.webUrl, { 'x-forwarded-for': from }).post('/login', { username: 'carol', password: 'not-her-password', next: '/' });
    const a = [];
    for (let i = 0; i < 3; i++) a.push(await attempt('203.0.113.20'));
    assert.deepEqual(
      a.map((r) => r.status),
      [401, 401, 429],
    );
    assert.match(a[2]!.body, /Too many/i);
    const b = await attempt('203.0.113.21');
    assert.equal(b.status, 401, 'another browser is still allowed to try');
    assert.doesNotMatch(b.body, /Too many/i);
  });
});
