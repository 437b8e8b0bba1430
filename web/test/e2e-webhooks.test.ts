// The Notifications page (issue 17) in a real browser: add a webhook with a preset (its secret shown
// once), send a test, see deliveries with their status, disable and delete; a real receiver on loopback.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { bearer } from '../../api/test/helpers/app.ts';
import { waitForStatus } from '../../api/test/helpers/downloads.ts';
import { type Receiver, startReceiver, verifySignature } from '../../api/test/helpers/receiver.ts';
import { createFirstAdmin, launchChromium, screenshotSizes, skip } from './helpers/browser.ts';
import { startStack, type Stack } from './helpers/stack.ts';

describe('notifications page in a real browser', { skip }, () => {
  let s: Stack;
  let rx: Receiver;
  let browser: Browser;
  let page: Page;
  before(async () => {
    rx = await startReceiver();
    s = await startStack({ WEBHOOK_RETRY_BASE_S: '0.05', PUBLIC_URL: 'https://models.example.org' });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(15_000);
    await createFirstAdmin(page, s.webUrl, 'erin');
  });
  after(async () => {
    await browser?.close();
    await s?.close();
    await rx?.close();
  });

  const item = (name: string) => page.locator('li[data-webhook]', { hasText: name });

  it('adds an ntfy webhook from the nav, shows its secret once, and a test reaches the receiver', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).click();
    await page.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name: 'Notifications' }).click();
    await page.waitForURL(/\/webhooks$/);
    await page.getByText('No webhooks yet.').waitFor();
    await page.getByLabel('Name').fill('phone');
    await page.getByLabel('Preset').selectOption('ntfy');
    await page.getByLabel('URL').fill(`${rx.url}/ntfy`);
    await page.getByRole('button', { name: 'Add webhook' }).click();
    const secret = (await page.locator('.new-token code').textContent())?.trim() ?? '';
    assert.match(secret, /^whsec_[0-9a-f]{48}$/);
    assert.ok(await page.getByText('shown this once').isVisible());
    await page.goto(`${s.webUrl}/webhooks`);
    assert.ok(!(await page.content()).includes(secret), 'never shown again');
    await item('phone').getByRole('button', { name: 'Send a test to phone' }).click();
    await page.getByText(/Test delivered: HTTP 200 in \d+ ms/).waitFor();
    const [t] = rx.on('/ntfy');
    assert.ok(t && verifySignature(t, secret));
    assert.equal(t.headers.title, 'D011DL test notification');
    await item('phone').locator('table.deliveries', { hasText: 'test' }).waitFor();
  });

  it('shows a failing receiver’s error, and a finished download among the deliveries', async () => {
    rx.answer('/down', () => 503);
    await page.getByLabel('Name').fill('broken');
    await page.getByLabel('URL').fill(`${rx.url}/down`);
    await page.getByRole('button', { name: 'Add webhook' }).click();
    await page.goto(`${s.webUrl}/webhooks`);
    await item('broken').getByRole('button', { name: 'Send a test to broken' }).click();
    await page.getByRole('alert').filter({ hasText: 'Test not delivered: HTTP 503: receiver says no' }).waitFor();

    const login = await s.api.app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'erin', password: 'correct horse battery' } });
    const token = login.json().token;
    const res = await s.api.app.inject({
      method: 'POST',
      url: '/downloads',
      headers: bearer(token),
      payload: { author: 'acme', repo: 'tiny-model', revision: 'main', selection: [{ path: 'config.json', type: 'file' }] },
    });
    assert.equal((await waitForStatus(s.api.app, token, res.json().download_id, ['succeeded', 'failed'])).status, 'succeeded');
    await rx.waitFor('the download event', () => rx.on('/ntfy').some((r) => r.headers['x-d011dl-event'] === 'download.succeeded'));
    // the broken receiver is retried until the last attempt fails
    await rx.waitFor('five attempts', () => rx.on('/down').filter((r) => r.headers['x-d011dl-event'] === 'download.succeeded').length === 5);
    for (let i = 0; ; i++) {
      await page.goto(`${s.webUrl}/webhooks`);
      if (await item('broken').locator('.badge', { hasText: 'last: failed' }).count()) break;
      assert.ok(i < 200, 'the last attempt is recorded');
      await new Promise((r) => setTimeout(r, 100));
    }
    await item('phone').locator('tr', { hasText: 'download.succeeded' }).getByText('HTTP 200').waitFor();
    await item('broken').locator('tr', { hasText: 'download.succeeded' }).first().getByText('HTTP 503: receiver says no').waitFor();
    await screenshotSizes(page, '60-notifications', { dark: true });
  });

  it('disables and deletes a webhook', async () => {
    await item('broken').getByRole('button', { name: 'Disable broken' }).click();
    await page.getByText('broken is disabled.').waitFor();
    await item('broken').locator('.badge', { hasText: 'disabled' }).waitFor();
    await item('broken').getByRole('button', { name: 'Delete broken' }).click();
    await page.getByText('Webhook deleted').waitFor();
    assert.equal(await item('broken').count(), 0);
    assert.equal(await item('phone').count(), 1);
  });
});
