// The catalog in a real browser (issue 13): live counts and the file list per revision, "Verify and
// re-download" from the dashboard and from the catalog, display paths, and the gated badge before
// Download. Same setup as e2e.test.ts (chromium via playwright-core, real API, PostgreSQL, hubsim).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { createFirstAdmin, launchChromium, screenshotSizes, skip } from './helpers/browser.ts';
import { startStack, type Stack } from './helpers/stack.ts';

const DISPLAY = '\\\\nas\\models';

describe('catalog in a real browser', { skip }, () => {
  let s: Stack;
  let browser: Browser;
  let page: Page;
  before(async () => {
    s = await startStack({ HF_TOKEN: 'hf_bob_token', STORAGE_DISPLAY_ROOT: DISPLAY });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(15_000);
    await createFirstAdmin(page, s.webUrl, 'erin');
  });
  after(async () => {
    await browser?.close();
    await s?.close();
  });

  const shot = (name: string) => screenshotSizes(page, name);
  const repoPage = (repo: string, revision = 'main') => page.goto(`${s.webUrl}/?${new URLSearchParams({ url: `${s.sim.url}/acme/${repo}`, revision })}`);
  const downloadAll = async () => {
    await page.getByLabel('Select all').check();
    await page.getByRole('button', { name: 'Download selected' }).click();
  };
  const jobSucceeds = async () => {
    await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
    await page.locator('#job-status', { hasText: 'succeeded' }).waitFor({ timeout: 60_000 });
  };

  it("shows a gated repo's badge and the access link before Download", async () => {
    await repoPage('gated-model');
    const info = page.locator('#gated-info');
    await info.getByText('gated', { exact: true }).waitFor();
    const link = info.getByRole('link', { name: 'request access on Hugging Face' });
    assert.equal(await link.getAttribute('href'), `${s.sim.url}/acme/gated-model`);
    assert.match((await info.textContent())!, /no access yet/);
    await shot('20-gated-badge');
    await repoPage('tiny-model');
    await page.getByLabel('Revision').waitFor();
    assert.equal(await page.locator('#gated-info').count(), 0, 'no badge on an open repo');
  });

  it('counts done and downloading files while a job runs, lists the files, then shows them all done', async () => {
    s.sim.faults.set({ bandwidthPerConn: 64 * 1024 });
    try {
      await repoPage('tiny-model', 'v1.0');
      await downloadAll();
      await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
      const row = page.locator('li[data-model]', { hasText: 'v1.0' });
      const deadline = Date.now() + 60_000;
      // the catalog page is not live: reload until the big file is seen downloading
      for (;;) {
        await page.goto(`${s.webUrl}/models?author=acme&repo=tiny-model`);
        const text = (await row.locator('.rev-counts').textContent()) ?? '';
        if (/\d+\/7 files done · 1 downloading/.test(text)) break;
        assert.ok(Date.now() < deadline, `never saw a file downloading: ${text}`);
        await page.waitForTimeout(200);
      }
      await row.getByText(/^Files \(7\)$/).click();
      const big = row.locator('.rev-files li', { hasText: 'model.safetensors' });
      await big.getByText('downloading', { exact: true }).waitFor();
      assert.match((await big.textContent())!, / of 3\.15 MB/);
      await shot('21-catalog-running');
    } finally {
      s.sim.faults.reset();
    }
    const row = page.locator('li[data-model]', { hasText: 'v1.0' });
    const deadline = Date.now() + 60_000;
    for (;;) {
      await page.goto(`${s.webUrl}/models?author=acme&repo=tiny-model`);
      if (/^7\/7 files done · ([\d.]+ MB) of \1 on disk/.test(((await row.locator('.rev-counts').textContent()) ?? '').trim())) break;
      assert.ok(Date.now() < deadline, 'the job finished');
      await page.waitForTimeout(200);
    }
    await row.locator('.copy-path').getByText(`${DISPLAY}\\acme\\tiny-model\\v1.0`, { exact: true }).waitFor();
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: s.webUrl });
    const copy = row.getByRole('button', { name: `Copy path ${DISPLAY}\\acme\\tiny-model\\v1.0` });
    await copy.click();
    await row.locator('.copy-btn', { hasText: 'Copied' }).waitFor();
    // runs in the page (the test's tsconfig has no DOM types)
    const copied = await page.evaluate(() =>
      (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText(),
    );
    assert.equal(copied, `${DISPLAY}\\acme\\tiny-model\\v1.0`);
    await row.getByText(/^Files \(7\)$/).click();
    assert.equal(await row.locator('.rev-files .badge', { hasText: 'done' }).count(), 7);
    await shot('22-catalog-done');
  });

  it('offers "Verify and re-download" when everything selected is already here, and on the catalog', async () => {
    await repoPage('tiny-model', 'v1.0');
    await downloadAll();
    await page.getByRole('heading', { name: 'Already downloaded' }).waitFor();
    assert.match((await page.getByRole('alert').textContent())!, /already downloaded and matches the Hub/);
    await page.getByText('Checks every file on disk against the Hub and downloads again only what is missing or differs.').waitFor();
    await shot('23-already-downloaded');
    await page.getByRole('button', { name: 'Verify and re-download' }).click();
    await jobSucceeds();

    await page.goto(`${s.webUrl}/models?author=acme&repo=tiny-model`);
    await page.getByRole('button', { name: 'Verify and re-download acme/tiny-model v1.0' }).click();
    await jobSucceeds();
  });
});
