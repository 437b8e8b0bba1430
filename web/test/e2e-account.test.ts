// The Account page in a real browser (issue 17): a Hugging Face token pasted and shown as its Hub
// account (never as the token), removed again, and a password change; at desktop and phone size.
// Screenshots: web/e2e/screenshots/account-*.png.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { createFirstAdmin, launchChromium, screenshotSizes, skip } from './helpers/browser.ts';
import { startStack, type Stack } from './helpers/stack.ts';

describe('the Account page in a real browser', { skip }, () => {
  let s: Stack;
  let browser: Browser;
  let page: Page;
  before(async () => {
    // an SMTP server is only needed to send; with SMTP_URL set the page offers e-mail
    s = await startStack({ SMTP_URL: 'smtp://127.0.0.1:9' });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(20_000);
    await createFirstAdmin(page, s.webUrl, 'alice');
  });
  after(async () => {
    await browser?.close();
    await s?.close();
  });

  it('saves a Hugging Face token and shows its Hub account, not the token', async () => {
    await page.getByRole('link', { name: 'Account' }).click();
    await page.waitForURL(/\/account$/);
    assert.equal((await page.locator('[data-hf-status]').textContent())?.trim(), 'No token set.');
    await page.getByLabel('Token').fill('hf_not_a_real_token');
    await page.getByRole('button', { name: 'Save token' }).click();
    await page.getByRole('alert').waitFor();
    assert.match((await page.getByRole('alert').textContent()) ?? '', /The Hub does not accept this token/);
    await page.getByLabel('Token').fill('hf_alice_token');
    await page.getByRole('button', { name: 'Save token' }).click();
    await page.getByText('Hugging Face token saved: Hub account alice.').waitFor();
    assert.match((await page.locator('[data-hf-status]').textContent()) ?? '', /set\s+Hub account\s+alice\s*, since/);
    assert.ok(!(await page.content()).includes('hf_alice_token'), 'the token is not on the page');
    await screenshotSizes(page, 'account-token-set', { dark: true });
    // the gated repo's badge now says alice may download it
    const info = await fetch(`${s.apiUrl}/hf/repo-info?author=acme&repo=gated-model`, {
      headers: { authorization: `Bearer ${decodeURIComponent((await page.context().cookies()).find((c) => c.name === 'd011dl_at')!.value)}` },
    });
    assert.equal(((await info.json()) as { access: string }).access, 'granted');
    await page.getByRole('button', { name: 'Remove token' }).click();
    await page.getByText('Hugging Face token removed').waitFor();
    assert.equal((await page.locator('[data-hf-status]').textContent())?.trim(), 'No token set.');
  });

  it('asks for e-mail about my downloads, and stops it again', async () => {
    await page.getByLabel('E-mail address (empty: none)').fill('not an address');
    await page.getByLabel('a download of mine failed').check();
    await page.getByRole('button', { name: 'Save e-mail settings' }).click();
    // the browser's own check refuses it before it is sent
    assert.equal(await page.locator('#email-address:invalid').count(), 1);
    await page.getByLabel('E-mail address (empty: none)').fill('alice@example.org');
    await page.getByRole('button', { name: 'Save e-mail settings' }).click();
    await page.getByText('E-mail notifications go to alice@example.org.').waitFor();
    assert.equal(await page.getByLabel('a download of mine failed').isChecked(), true);
    assert.equal(await page.getByLabel('a download of mine succeeded').isChecked(), false);
    await screenshotSizes(page, 'account-email');
    await page.getByLabel('E-mail address (empty: none)').fill('');
    await page.getByRole('button', { name: 'Save e-mail settings' }).click();
    await page.getByText('No more e-mail notifications.').waitFor();
    assert.equal((await page.locator('[data-email-status]').textContent())?.trim(), 'No e-mail is sent to you.');
  });

  it('changes the password: a wrong current one is refused, the new one signs in', async () => {
    await page.getByLabel('Current password').fill('not my password');
    await page.getByLabel('New password', { exact: true }).fill('a brand new password');
    await page.getByLabel('New password again').fill('a brand new password');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('alert').waitFor();
    assert.match((await page.getByRole('alert').textContent()) ?? '', /current password is wrong/);
    await screenshotSizes(page, 'account-password-refused');
    await page.getByLabel('Current password').fill('correct horse battery');
    await page.getByLabel('New password', { exact: true }).fill('a brand new password');
    await page.getByLabel('New password again').fill('a brand new password');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Password changed.').waitFor();
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(/\/login/);
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill('a brand new password');
    await page.getByRole('button', { name: /sign in|log in/i }).click();
    await page.getByLabel('Hugging Face URL').waitFor();
  });
});
