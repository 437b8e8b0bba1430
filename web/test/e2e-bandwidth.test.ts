// The job page says which bandwidth limit holds a running job back (issue 17): "Downloads limited to
// 200 kB/s until HH:MM, then unlimited", from the API's GET /bandwidth, gone once the job is paused.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { createFirstAdmin, launchChromium, screenshotSizes, skip } from './helpers/browser.ts';
import { startStack, type Stack } from './helpers/stack.ts';

const two = (n: number) => String(n).padStart(2, '0');
const hhmm = (d: Date) => `${two(d.getHours())}:${two(d.getMinutes())}`;

describe('the bandwidth limit on the job page', { skip }, () => {
  let s: Stack;
  let browser: Browser;
  let page: Page;
  // an unlimited window two hours from now (server time zone: this process's), 200 kB/s until then
  const opens = new Date(Date.now() + 2 * 3600_000);
  const closes = new Date(opens.getTime() + 3600_000);
  before(async () => {
    s = await startStack({ BANDWIDTH_LIMIT_MBPS: '0.2', BANDWIDTH_SCHEDULE: `${hhmm(opens)}-${hhmm(closes)}=unlimited` });
    browser = await launchChromium();
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, reducedMotion: 'reduce' });
    page = await ctx.newPage();
    page.setDefaultTimeout(30_000);
    await createFirstAdmin(page, s.webUrl, 'erin');
  });
  after(async () => {
    await browser?.close();
    await s?.close();
  });

  it('shows the limit and until when while the job runs', async () => {
    await page.goto(`${s.webUrl}/?${new URLSearchParams({ url: `${s.sim.url}/TheBloke/Demo-GGUF` })}`);
    await page.getByLabel('demo.Q4_K_M.gguf', { exact: true }).check();
    await page.getByRole('button', { name: 'Download selected' }).click();
    await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
    const line = page.locator('#job-bandwidth');
    await line.waitFor({ state: 'visible' });
    assert.equal(await line.textContent(), `Downloads limited to 200 kB/s until ${hhmm(opens)}, then unlimited`);
    await screenshotSizes(page, '24-job-bandwidth');
    // an administrator changes the limit: the open page follows without a reload
    const login = await fetch(`${s.apiUrl}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'erin', password: 'correct horse battery' }),
    });
    const { token } = (await login.json()) as { token: string };
    const put = await fetch(`${s.apiUrl}/admin/settings`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ bandwidth_limit_bps: 300_000 }),
    });
    assert.equal(put.status, 200, await put.text());
    await page.locator('#job-bandwidth', { hasText: `Downloads limited to 300 kB/s until ${hhmm(opens)}, then unlimited` }).waitFor();
    // a paused job is not held back by anything: the line goes
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.locator('#job-status', { hasText: 'paused' }).waitFor({ timeout: 60_000 });
    await line.waitFor({ state: 'hidden' });
  });
});
