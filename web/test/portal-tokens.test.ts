// The portal's Tokens page (create: shown once; list; revoke) and the catalog's "use it" one-liners.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer } from '../../api/test/helpers/app.ts';
import { waitForStatus } from '../../api/test/helpers/downloads.ts';
import { Browser, startStack, type Stack } from './helpers/stack.ts';

describe('portal: tokens and "use it"', () => {
  let s: Stack;
  let b: Browser;
  const password = 'correct horse battery';
  before(async () => {
    s = await startStack();
    b = new Browser(s.webUrl);
    assert.equal((await b.post('/register', { username: 'alice', password }, '/register')).status, 303);
  });
  after(() => s.close());

  it('creates a token shown once, lists it without the secret, and revokes it', async () => {
    const empty = await b.get('/tokens');
    assert.equal(empty.status, 200);
    assert.match(empty.body, /No tokens yet/);
    assert.match(empty.body, /<a href="\/tokens" aria-current="page">Tokens<\/a>/);
    const created = await b.post('/tokens', { name: 'gpu-box-3', scope: 'mirror:read' }, '/tokens');
    assert.equal(created.status, 200);
    assert.equal(created.headers.get('cache-control'), 'no-store');
    const token = /hf_d011dl[0-9a-f]{64}/.exec(created.body)?.[0];
    assert.ok(token, 'the new token is on the page');
    assert.match(created.body, /shown this once/);
    const list = await b.get('/tokens');
    assert.match(list.body, /gpu-box-3/);
    assert.ok(!list.body.includes(token), 'never shown again');
    const mirror = (t: string) => fetch(`${s.apiUrl}/mirror/api/models/acme/tiny-model`, { headers: { authorization: `Bearer ${t}` } });
    assert.equal((await mirror(token)).status, 404, 'a valid token: the library just lacks the repo');
    const id = /action="\/tokens\/([0-9a-f-]{36})\/revoke"/.exec(list.body)?.[1];
    const revoked = await b.post(`/tokens/${id}/revoke`, {}, '/tokens');
    assert.equal(revoked.status, 303);
    assert.match((await b.get(revoked.location!)).body, /Token revoked/);
    assert.equal((await mirror(token)).status, 401);
  });

  it('the catalog shows the one-liners for a downloaded revision', async () => {
    const login = await s.api.app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'alice', password } });
    const session = login.json().token;
    const res = await s.api.app.inject({
      method: 'POST',
      url: '/downloads',
      payload: { author: 'acme', repo: 'tiny-model', revision: 'main' },
      headers: bearer(session),
    });
    assert.equal((await waitForStatus(s.api.app, session, res.json().download_id, ['succeeded', 'failed'])).status, 'succeeded');
    const models = await b.get('/models');
    assert.match(models.body, /Use it from another machine/);
    const port = new URL(s.apiUrl).port;
    const line = `HF_ENDPOINT=http://127.0.0.1:${port}/mirror HF_TOKEN=&lt;token&gt; hf download acme/tiny-model --revision main`;
    assert.ok(models.body.includes(line), line);
    assert.match(models.body, /from transformers import AutoModel/);
    assert.ok(!models.body.includes('llama-server'), 'not a GGUF repo');
  });
});
