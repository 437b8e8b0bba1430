// The Settings page in a real browser (issue 17): each value with where it comes from, a change kept
// and applied, the API's refusal beside its field, the schedule as text, reset to the environment's
// value; administrators only, CSRF like every form. Screenshots go to web/e2e/screenshots/.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { bearer } from '../../api/test/helpers/app.ts';
import { createFirstAdmin, launchChromium, screenshotSizes, skip } from './helpers/browser.ts';
import { Browser as FormBrowser, startStack, type Stack } from './helpers/stack.ts';

describe('Settings page in a real browser', { skip }, () => {
  let s: Stack;
  let browser: Browser;
  let page: Page;
  let adminToken: string;
  const password = 'correct horse battery';
  before(async () => {
    s = await startStack({ JOB_CONCURRENCY: '3' });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(15_000);
    await createFirstAdmin(page, s.webUrl, 'erin', password);
    adminToken = (await s.api.app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'erin', password } })).json().token;
  });
  after(async () => {
    await browser?.close();
    await s?.close();
  });

  const apiSettings = async () => (await s.api.app.inject({ url: '/admin/settings', headers: bearer(adminToken) })).json();
  const row = (key: string) => page.locator(`li#${key}`);
  const saveIn = async (key: string, value: string) => {
    await row(key).locator('[name="value"]').fill(value);
    await row(key).getByRole('button', { name: /^Save/ }).click();
  };

  it('shows each value with its source, keeps a change, and applies it', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).click();
    await page.waitForURL(/\/admin\/settings$/);
    const tabs = page.getByRole('navigation', { name: 'Administration' });
    assert.equal(await tabs.getByRole('link', { name: 'Settings' }).getAttribute('aria-current'), 'page');
    assert.deepEqual(await tabs.getByRole('link').allTextContents(), ['Settings', 'Users', 'Notifications', 'Audit log']);
    assert.equal(await row('job_concurrency').locator('[data-value]').textContent(), '3 jobs');
    assert.equal(await row('job_concurrency').locator('[data-source]').textContent(), 'from the environment (JOB_CONCURRENCY)');
    assert.equal(await row('segment_connections').locator('[data-source]').textContent(), 'default');
    await screenshotSizes(page, '60-settings', { dark: true });

    await saveIn('job_concurrency', '1');
    await page.getByRole('status').filter({ hasText: 'Jobs at once: 1 job' }).waitFor();
    await page.reload();
    assert.equal(await row('job_concurrency').locator('[data-value]').textContent(), '1 job');
    assert.equal(await row('job_concurrency').locator('[data-source]').textContent(), 'set here');
    assert.equal(await page.getByRole('textbox', { name: 'Jobs at once' }).inputValue(), '1');
    assert.equal((await apiSettings()).settings.job_concurrency, 1);

    await saveIn('bandwidth_limit_bps', '20');
    await page.getByRole('status').filter({ hasText: 'Bandwidth limit: 20 MB/s' }).waitFor();
    assert.equal((await apiSettings()).settings.bandwidth_limit_bps, 20_000_000);

    await row('allow_registration').locator('select').selectOption('on');
    await row('allow_registration').getByRole('button', { name: /^Save/ }).click();
    await page.getByRole('status').filter({ hasText: 'Open registration: on' }).waitFor();
    const cfg = (await (await fetch(`${s.apiUrl}/auth/config`)).json()) as { registration_open: boolean };
    assert.equal(cfg.registration_open, true, 'registration opened at once');
  });

  it("shows the API's refusal beside its field and keeps what was typed", async () => {
    await saveIn('job_concurrency', '99');
    const error = row('job_concurrency').getByRole('alert');
    assert.match((await error.textContent())!, /must be at most 16/);
    assert.equal(await page.getByRole('textbox', { name: 'Jobs at once' }).inputValue(), '99');
    assert.equal(await page.getByRole('textbox', { name: 'Jobs at once' }).getAttribute('aria-invalid'), 'true');
    await screenshotSizes(page, '61-settings-refused');
    assert.equal((await apiSettings()).settings.job_concurrency, 1, 'nothing saved');
  });

  it('takes the bandwidth schedule as text and says what is wrong with it', async () => {
    await saveIn('bandwidth_schedule', '25:00-07:00=unlimited');
    assert.match((await row('bandwidth_schedule').getByRole('alert').textContent())!, /"25:00-07:00=unlimited" is not a window: write HH:MM-HH:MM/);
    await saveIn('bandwidth_schedule', '00:00-07:00=unlimited, 18:00-23:00=5');
    await page.getByRole('status').filter({ hasText: 'Bandwidth schedule: 00:00-07:00=unlimited, 18:00-23:00=5' }).waitFor();
    assert.deepEqual((await apiSettings()).settings.bandwidth_schedule, [
      { from: '00:00', to: '07:00', limit_bps: null },
      { from: '18:00', to: '23:00', limit_bps: 5_000_000 },
    ]);
  });

  it("resets a setting to the environment's value", async () => {
    await row('job_concurrency')
      .getByRole('button', { name: /^Reset Jobs at once/ })
      .click();
    await page.getByRole('status').filter({ hasText: 'Jobs at once: 3 jobs, the value the environment gives' }).waitFor();
    assert.equal(await row('job_concurrency').locator('[data-source]').textContent(), 'from the environment (JOB_CONCURRENCY)');
    assert.equal(
      await row('job_concurrency')
        .getByRole('button', { name: /^Reset/ })
        .count(),
      0,
      'nothing to reset any more',
    );
    const api = await apiSettings();
    assert.equal(api.settings.job_concurrency, 3);
    assert.equal(api.sources.job_concurrency, 'environment');
  });

  it('is for administrators only, and its forms need the CSRF token', async () => {
    const made = await s.api.app.inject({
      method: 'POST',
      url: '/admin/users',
      headers: bearer(adminToken),
      payload: { username: 'bob', password: 'another good password' },
    });
    assert.equal(made.statusCode, 201, made.body);
    const bob = new FormBrowser(s.webUrl);
    assert.equal((await bob.post('/login', { username: 'bob', password: 'another good password' })).status, 303);
    const home = await bob.get('/jobs');
    assert.ok(!home.body.includes('href="/admin/settings"'), 'no Settings link for a non-admin');
    assert.equal((await bob.get('/admin/settings')).status, 403);
    assert.equal((await bob.post('/admin/settings/job_concurrency', { value: '1' }, '/jobs')).status, 403);

    const erin = new FormBrowser(s.webUrl);
    assert.equal((await erin.post('/login', { username: 'erin', password })).status, 303);
    const forged = await erin.request('POST', '/admin/settings/job_concurrency', { value: '2' });
    assert.equal(forged.status, 403, 'no CSRF token: refused');
    assert.equal((await apiSettings()).settings.job_concurrency, 3);
    assert.equal((await erin.post('/admin/settings/no_such_setting', { value: '1' }, '/admin/settings')).status, 404);
  });
});
