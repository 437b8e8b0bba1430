// The job pages in a real browser (as web/test/e2e.test.ts): a running job's per-file bytes rising,
// Pause and Resume, the finished bar drawn full, the live jobs list, the dashboard's "running now"
// strip, and the phone layout (390x844). Animations are off (reducedMotion), as the issue asks of
// tests. Screenshots go to web/e2e/screenshots/ (not committed).
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { createFirstAdmin, launchChromium, screenshotSizes, skip } from './helpers/browser.ts';
import { startStack, type Stack } from './helpers/stack.ts';

const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

// what runs in the page (the test's tsconfig has no DOM types)
type El = { dataset: Record<string, string | undefined>; textContent: string | null; getBoundingClientRect(): { width: number; top: number; height: number } };
type Doc = { querySelector(sel: string): El | null; querySelectorAll(sel: string): Iterable<El> };

describe('job pages in a real browser', { skip }, () => {
  let s: Stack;
  let browser: Browser;
  let page: Page;
  before(async () => {
    s = await startStack();
    browser = await launchChromium();
    const ctx = await browser.newContext({ viewport: DESKTOP, reducedMotion: 'reduce' });
    page = await ctx.newPage();
    page.setDefaultTimeout(20_000);
    await createFirstAdmin(page, s.webUrl, 'erin');
  });
  after(async () => {
    await browser?.close();
    await s?.close();
  });

  const shot = (name: string, p = page) => screenshotSizes(p, name, { dark: true });

  /** Starts a download of `files` of TheBloke/Demo-GGUF from the dashboard; resolves on the job page. */
  const download = async (p: Page, files: string[]) => {
    await p.goto(`${s.webUrl}/?${new URLSearchParams({ url: `${s.sim.url}/TheBloke/Demo-GGUF` })}`);
    for (const f of files) await p.getByLabel(f, { exact: true }).check();
    await p.getByRole('button', { name: 'Download selected' }).click();
    await p.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
  };

  const rowBytes = (file: string) =>
    page.evaluate(
      (f) => Number((globalThis as unknown as { document: Doc }).document.querySelector(`#job-file-list li[data-path="${f}"]`)?.dataset.bytes ?? -1),
      file,
    );

  it("shows a running job's per-file bytes rising, pauses, resumes, and draws the finished bar full", async () => {
    s.sim.faults.set({ bandwidthPerConn: 256 * 1024 }); // ~8 s for the 2 MiB file
    await download(page, ['demo.Q4_K_M.gguf', 'README.md']);
    // what the job holds, named as on the jobs list
    await page.locator('#job-holds', { hasText: /^(Q4_K_M \+ README|README \+ Q4_K_M)$/ }).waitFor();
    const row = page.locator('#job-file-list li[data-path="demo.Q4_K_M.gguf"]');
    await row.and(page.locator('[data-state=downloading]')).waitFor({ timeout: 60_000 });
    // bytes seen on the page, then more of them, without a reload
    await page.waitForFunction(
      () => Number((globalThis as unknown as { document: Doc }).document.querySelector('#job-file-list li[data-path="demo.Q4_K_M.gguf"]')?.dataset.bytes) > 0,
      undefined,
      { timeout: 60_000, polling: 100 },
    );
    const first = await rowBytes('demo.Q4_K_M.gguf');
    await page.waitForFunction(
      (b) => Number((globalThis as unknown as { document: Doc }).document.querySelector('#job-file-list li[data-path="demo.Q4_K_M.gguf"]')?.dataset.bytes) > b,
      first,
      { timeout: 60_000, polling: 100 },
    );
    assert.match((await row.locator('.size').textContent())!, / \/ 2\.1 MB$/, 'bytes done of the size');
    assert.notEqual(await page.locator('#job-elapsed').textContent(), '–');
    assert.notEqual(await page.locator('#job-started').textContent(), '—');
    await shot('20-job-running');

    await page.getByRole('button', { name: 'Pause' }).click();
    await page.locator('#job-status', { hasText: 'paused' }).waitFor({ timeout: 60_000 });
    // the kept partial is paused, not "downloading", and its bytes are still shown
    await row.and(page.locator('[data-state=paused]')).waitFor();
    assert.equal(await page.locator('#job-file-list li[data-state=downloading]').count(), 0);
    assert.match((await row.locator('.size').textContent())!, /^[1-9][\d.]* [kM]B \/ 2\.1 MB$/);
    assert.equal(await page.getByRole('button', { name: 'Pause' }).isVisible(), false);
    await shot('21-job-paused');

    s.sim.faults.reset();
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.locator('#job-status', { hasText: 'succeeded' }).waitFor({ timeout: 120_000 });
    await page.locator('#job-file-list li[data-state=done]').nth(1).waitFor();
    // the bar is full the moment the page says so, at either size
    for (const viewport of [DESKTOP, PHONE]) {
      await page.setViewportSize(viewport);
      const [fill, bar] = await page.evaluate(() => [
        (globalThis as unknown as { document: Doc }).document.querySelector('#job-bar-fill')!.getBoundingClientRect().width,
        (globalThis as unknown as { document: Doc }).document.querySelector('#job-bar')!.getBoundingClientRect().width,
      ]);
      assert.ok(bar > 0 && Math.abs(fill - bar) < 0.5, `bar ${fill} of ${bar} px at ${viewport.width} px`);
    }
    await page.setViewportSize(DESKTOP);
    assert.match((await page.locator('#job-bytes').textContent())!, /\(100%\)$/);
    assert.notEqual(await page.locator('#job-finished').textContent(), '—');
    assert.match((await page.locator('#job-log').textContent())!, /\S/);
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    await page.getByRole('button', { name: 'Copy path' }).click();
    await page.locator('#job-announce', { hasText: 'Path copied.' }).waitFor();
    const copied = await page.evaluate(() =>
      (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText(),
    );
    assert.equal(copied, path.join(s.api.config.storageRoot, 'TheBloke', 'Demo-GGUF', 'main'));
    await shot('22-job-succeeded');
  });

  it('keeps the jobs list live: a new job appears and finishes without a reload; filters; the running strip', async () => {
    const list = await page.context().newPage();
    await list.setViewportSize(PHONE);
    list.setDefaultTimeout(20_000);
    // the list follows the API's events (relayed at /api/jobs-events), not a timer
    const subscribed = list.waitForRequest((r) => r.url().endsWith('/api/jobs-events'));
    await list.goto(`${s.webUrl}/jobs`);
    await subscribed;
    await list.locator('nav[aria-label=Main] a[aria-current=page]', { hasText: 'Jobs' }).waitFor();
    await list.evaluate(() => {
      (globalThis as unknown as { stayed: boolean }).stayed = true;
    });
    const before = await list.locator('#jobs-list li').count();

    s.sim.faults.set({ bandwidthPerConn: 128 * 1024 });
    await download(page, ['demo.Q5_K_M.gguf']);
    const row = list.locator('#jobs-list li.jobrow').first();
    await row.getByText('Q5_K_M', { exact: true }).waitFor();
    assert.equal(await list.locator('#jobs-list li').count(), before + 1);
    await row.and(list.locator('[data-status=running]')).waitFor({ timeout: 60_000 });
    await row.getByText(/ left$/).waitFor();
    assert.equal(await list.evaluate(() => (globalThis as unknown as { stayed?: boolean }).stayed), true, 'the row came without a reload');
    await shot('23-jobs-live', list);

    // the dashboard's strip shows it while it runs, with its Pause
    const dash = await page.context().newPage();
    dash.setDefaultTimeout(20_000);
    await dash.goto(`${s.webUrl}/`);
    const strip = dash.locator('#running-strip');
    await strip.getByText('TheBloke/Demo-GGUF').waitFor();
    await strip.getByRole('button', { name: 'Pause TheBloke/Demo-GGUF' }).waitFor();
    await shot('24-dashboard-running', dash);

    // Pause from the list: back on the same list, the row paused with a Resume
    await row.getByRole('button', { name: 'Pause TheBloke/Demo-GGUF' }).click();
    await list.locator('#jobs-list li.jobrow[data-status=canceled]').first().waitFor({ timeout: 60_000 });
    assert.equal(await list.url(), `${s.webUrl}/jobs`);
    s.sim.faults.reset();
    await list.locator('#jobs-list li.jobrow').first().getByRole('button', { name: 'Resume TheBloke/Demo-GGUF' }).click();
    await list.locator('#jobs-list li.jobrow').first().and(list.locator('[data-status=succeeded]')).waitFor({ timeout: 120_000 });
    // and the strip, open all along, lets it go by itself
    await strip.waitFor({ state: 'hidden' });

    await list.getByRole('link', { name: 'Failed' }).click();
    await list.getByText('No jobs here.').waitFor();
    await list.getByRole('link', { name: 'Done' }).click();
    await list.locator('#jobs-list li.jobrow').nth(1).waitFor();
    assert.equal(await list.locator('#jobs-list li.jobrow:not([data-status=succeeded])').count(), 0);
    await shot('25-jobs-done', list);
    await dash.close();
    await list.close();
  });

  it('downloads one selection at two revisions in one go, one job each', async () => {
    await page.goto(`${s.webUrl}/?${new URLSearchParams({ url: `${s.sim.url}/acme/tiny-model` })}`);
    await page.getByLabel('config.json', { exact: true }).check();
    await page.locator('#also-revisions summary').click();
    await page.getByRole('checkbox', { name: 'v1.0 tag' }).check();
    await shot('12-also-revisions');
    await page.getByRole('button', { name: 'Download selected' }).click();
    await page.waitForURL(/\/jobs$/);
    const rows = page.locator('.jobrow', { hasText: 'acme/tiny-model' });
    await rows.nth(1).waitFor();
    assert.equal(await rows.count(), 2);
    assert.deepEqual((await rows.locator('.rev').allTextContents()).map((t) => t.replace('@', '').trim()).sort(), ['main', 'v1.0']);
  });

  it('fits a phone: one-line top bar, the tree above the fold, a skip link', async () => {
    await page.setViewportSize(PHONE);
    await page.goto(`${s.webUrl}/?${new URLSearchParams({ url: `${s.sim.url}/acme/tiny-model` })}`);
    await page.getByLabel('config.json', { exact: true }).waitFor();
    const [bar, tree] = await page.evaluate(() =>
      [
        (globalThis as unknown as { document: Doc }).document.querySelector('.topbar')!.getBoundingClientRect(),
        (globalThis as unknown as { document: Doc }).document.querySelector('#tree')!.getBoundingClientRect(),
      ].map((r) => ({ top: r.top, height: r.height })),
    );
    assert.ok(bar!.height < 60, `top bar ${bar!.height} px high: one line`);
    assert.ok(tree!.top < PHONE.height - 100, `the tree starts at ${tree!.top} px, above the fold`);
    assert.equal(await page.locator('nav[aria-label=Main] a[aria-current=page]').textContent(), 'Download');
    await page.keyboard.press('Tab');
    assert.equal(
      await page.evaluate(() => ((globalThis as unknown as { document: Doc }).document as unknown as { activeElement: El }).activeElement.textContent),
      'Skip to content',
    );
    await shot('26-dashboard-tree');
    await page.setViewportSize(DESKTOP);
  });
});
