// Administration in a real browser (issue 17): the Users page (create, disable, reset password, delete
// after a confirmation; the guards in words) and the Audit log page (sentences, filters, older pages).
// Chromium via playwright-core, the real API on PostgreSQL, the Hub simulator over HTTP.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { bearer } from '../../api/test/helpers/app.ts';
import { waitForStatus } from '../../api/test/helpers/downloads.ts';
import { createFirstAdmin, launchChromium, screenshotSizes, skip } from './helpers/browser.ts';
import { Browser as FormBrowser, startStack, type Stack } from './helpers/stack.ts';

describe('users and audit log in a real browser', { skip }, () => {
  let s: Stack;
  let browser: Browser;
  let page: Page;
  let bobsJob: string;
  before(async () => {
    s = await startStack();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(15_000);
    await createFirstAdmin(page, s.webUrl, 'root');
  });
  after(async () => {
    await browser?.close();
    await s?.close();
  });

  const api = (method: string, url: string, token?: string, payload?: unknown) =>
    s.api.app.inject({ method: method as 'GET', url, ...(token ? { headers: bearer(token) } : {}), ...(payload ? { payload } : {}) });

  it('creates an account, disables it, sets a new password, and refuses to delete oneself', async () => {
    await page.goto(`${s.webUrl}/users`);
    await page.getByLabel('Username').fill('bob');
    await page.getByLabel('Password', { exact: true }).fill('bob-password-1');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByText('Account bob created.').waitFor();
    await page.getByRole('button', { name: 'Disable bob' }).click();
    await page.getByText('bob is disabled and signed out everywhere.').waitFor();
    await page.getByRole('button', { name: 'Enable bob' }).click();
    await page.getByText('bob can sign in again.').waitFor();
    await page.getByLabel('New password for bob', { exact: true }).fill('bob-password-2');
    await page.getByRole('button', { name: 'Set a new password for bob' }).click();
    await page.getByText('New password set for bob; their sessions have ended.').waitFor();
    const row = page.locator('.userlist li', { hasText: 'bob' });
    assert.match((await row.textContent()) ?? '', /created \d{4}-\d\d-\d\d \d\d:\d\d · last sign-in never/);
    assert.equal(await page.getByRole('button', { name: 'Delete root' }).count(), 0, 'no Delete button for oneself');
    await screenshotSizes(page, '70-users');

    // the confirmation page of one's own account says why not, and the API refuses it in words too
    const me = (
      await api('GET', '/admin/users', (await api('POST', '/auth/login', undefined, { username: 'root', password: 'correct horse battery' })).json().token)
    )
      .json()
      .users.find((u: { username: string }) => u.username === 'root');
    await page.goto(`${s.webUrl}/users/${me.id}/delete`);
    await page.getByText('This is your own account: you cannot delete it.').waitFor();
    const form = new FormBrowser(s.webUrl);
    assert.equal((await form.post('/login', { username: 'root', password: 'correct horse battery', next: '/' })).status, 303);
    const refused = await form.post(`/users/${me.id}/delete`, {}, '/users');
    assert.equal(refused.status, 409);
    assert.match(refused.body, /You cannot delete your own account: ask another administrator/);
  });

  it('deletes an account after a confirmation; its job stays, started by a deleted user', async () => {
    const bob = (await api('POST', '/auth/login', undefined, { username: 'bob', password: 'bob-password-2' })).json().token as string;
    const d = await api('POST', '/downloads', bob, { author: 'acme', repo: 'tiny-model', revision: 'main' });
    assert.equal(d.statusCode, 202, d.body);
    bobsJob = d.json().download_id;
    assert.equal((await waitForStatus(s.api.app, bob, bobsJob, ['succeeded', 'failed'])).status, 'succeeded');
    await page.goto(`${s.webUrl}/jobs/${bobsJob}`);
    assert.equal(await page.locator('#job-owner').textContent(), 'bob');
    // bob has no Hugging Face token of his own and the server none: the job says so
    assert.equal(await page.locator('#job-token').textContent(), 'none (public files only)');

    await page.goto(`${s.webUrl}/users`);
    await page.getByRole('button', { name: 'Delete bob' }).click();
    await page.getByRole('heading', { name: 'Delete the account bob?' }).waitFor();
    await screenshotSizes(page, '71-delete-user');
    await page.getByRole('button', { name: 'Delete bob' }).click();
    await page.getByText('The account bob is deleted; its downloads stay, shown as "deleted user".').waitFor();
    assert.equal(await page.locator('.userlist li', { hasText: 'bob' }).count(), 0);
    assert.equal((await api('GET', '/auth/me', bob)).statusCode, 401, "bob's session ended");

    await page.goto(`${s.webUrl}/jobs/${bobsJob}`);
    assert.equal(await page.locator('#job-owner').textContent(), 'deleted user');
  });

  it('shows the audit log as sentences, filtered by area and user, a page at a time', async () => {
    // a failed sign-in through the portal's own form
    const stranger = new FormBrowser(s.webUrl);
    assert.equal((await stranger.post('/login', { username: 'mallory', password: 'not-the-password', next: '/' })).status, 401);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).click();
    await page.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    const texts = await page.locator('#audit-list .audit-text').allInnerTexts();
    assert.match(texts[0] ?? '', /^failed sign-in as mallory from \S+ \(unknown user\)$/);
    for (const want of [
      'root deleted the account bob (1 job kept as "deleted user")',
      'root set a new password for bob',
      'root disabled bob',
      'root enabled bob',
      'root created the account bob',
      'root registered as the first administrator',
    ])
      assert.ok(
        texts.some((t) => t.startsWith(want)),
        `"${want}" in:\n${texts.join('\n')}`,
      );
    assert.ok(texts.some((t) => /^bob started a download of acme\/tiny-model@main \(.+B\)$/.test(t)));
    await screenshotSizes(page, '72-audit', { dark: true });

    await page.getByLabel('What').selectOption('user');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(/action=user/);
    const actions = await page.locator('#audit-list li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-action') ?? ''));
    assert.ok(actions.length >= 5);
    assert.ok(
      actions.every((a) => a.startsWith('user.')),
      actions.join(' '),
    );
    await page.getByLabel('User').fill('bob');
    await page.getByLabel('What').selectOption('');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(/actor=bob/);
    assert.deepEqual(
      new Set(await page.locator('#audit-list li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-action')))),
      new Set(['auth.login', 'download.start']),
      'what bob did, kept after the account went',
    );
  });

  it('pages to older entries', async () => {
    const root = (await api('POST', '/auth/login', undefined, { username: 'root', password: 'correct horse battery' })).json().token as string;
    for (let i = 0; i < 30; i++) {
      const t = await api('POST', '/auth/tokens', root, { name: `t${i}`, scope: 'api' });
      assert.equal((await api('DELETE', `/auth/tokens/${t.json().id}`, root)).statusCode, 204);
    }
    await page.goto(`${s.webUrl}/admin/audit?action=token`);
    const first = await page.locator('#audit-list .audit-text').allInnerTexts();
    assert.equal(first.length, 50);
    assert.equal(first[0], 'root revoked the access token "t29"');
    await page.getByRole('link', { name: 'Older' }).click();
    await page.waitForURL(/before=\d+/);
    const second = await page.locator('#audit-list .audit-text').allInnerTexts();
    assert.equal(second.length, 10);
    assert.equal(second.at(-1), 'root created the access token "t0" (api)');
    assert.equal(await page.getByRole('link', { name: 'Older' }).count(), 0, 'the end');
    await page.getByRole('link', { name: 'Newest' }).click();
    await page.waitForURL((u) => !u.search.includes('before'));
  });

  it('is for administrators only', async () => {
    await api('POST', '/admin/users', (await api('POST', '/auth/login', undefined, { username: 'root', password: 'correct horse battery' })).json().token, {
      username: 'carol',
      password: 'carol-password-1',
    });
    const carol = new FormBrowser(s.webUrl);
    assert.equal((await carol.post('/login', { username: 'carol', password: 'carol-password-1', next: '/' })).status, 303);
    assert.doesNotMatch((await carol.get('/')).body, /href="\/admin\/audit"/);
    const denied = await carol.get('/admin/audit');
    assert.equal(denied.status, 403);
    assert.match(denied.body, /Only administrators can read the audit log/);
  });
});
