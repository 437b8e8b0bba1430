// The quant table and update checks in a real browser (issue 15): the table above the tree, its
// one-click "Download this quant (+ config files)", the "already downloaded" mark; on the catalog,
// "Check now" after the branch moved, what changed, and Pin. Same setup as e2e-catalog.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { createFirstAdmin, launchChromium, screenshotSizes, skip } from './helpers/browser.ts';
import { startStack, type Stack } from './helpers/stack.ts';

describe('quant table and update checks in a real browser', { skip }, () => {
  let s: Stack;
  let browser: Browser;
  let page: Page;
  before(async () => {
    s = await startStack();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(15_000);
    await createFirstAdmin(page, s.webUrl, 'quinn');
  });
  after(async () => {
    await browser?.close();
    await s?.close();
  });

  const shot = (name: string) => screenshotSizes(page, name);
  const repoPage = (repo: string) => page.goto(`${s.webUrl}/?${new URLSearchParams({ url: `${s.sim.url}/acme/${repo}` })}`);
  const rowOf = (label: string) => page.locator('#quant-table tbody tr', { has: page.getByRole('rowheader', { name: new RegExp(`^${label}`) }) });

  it('shows the quants above the tree and downloads one quant with the config files in one click', async () => {
    await repoPage('split-gguf');
    const table = page.locator('#quant-table');
    await table.waitFor();
    const labels = await table.locator('tbody th').allTextContents();
    assert.deepEqual(
      labels.map((l) => l.trim().split(/\s+/)[0]),
      ['mmproj', 'IQ3_XXS', 'Q4_K_M', 'Q8_0'],
    );
    const q4 = rowOf('Q4_K_M');
    assert.match((await q4.textContent())!, /2\s*\(split\)/);
    assert.match((await q4.textContent())!, /4\.89/);
    // the table comes before the tree
    const [tableY, treeY] = await Promise.all([table.boundingBox(), page.locator('#tree').boundingBox()]);
    assert.ok(tableY!.y < treeY!.y);
    await shot('40-quant-table');
    await q4.getByRole('button', { name: 'Download Q4_K_M (+ config files)' }).click();
    await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
    await page.locator('#job-status', { hasText: 'succeeded' }).waitFor({ timeout: 60_000 });
    const fetched = (await page.locator('body').textContent())!;
    for (const f of ['demo-Q4_K_M-00001-of-00002.gguf', 'demo-Q4_K_M-00002-of-00002.gguf', 'README.md', '.gitattributes']) assert.ok(fetched.includes(f), f);
    assert.ok(!fetched.includes('demo-Q8_0.gguf'), 'only the chosen quant');
    await repoPage('split-gguf');
    await rowOf('Q4_K_M').getByText('already downloaded').waitFor();
    assert.equal(await rowOf('Q8_0').getByText('already downloaded').count(), 0);
    await shot('41-quant-downloaded');
  });

  it('on the catalog: Check now flags a moved branch and shows what changed; Pin keeps it quiet', async () => {
    s.sim.advanceBranch('acme/split-gguf', 'main', {
      files: { 'README.md': 'a new card\n', 'demo-Q4_K_M-00002-of-00002.gguf': { lfs: { size: 600 * 1024, seed: 'requant' } } },
    });
    await page.goto(`${s.webUrl}/models`);
    const rev = page.locator('li[data-model]', { hasText: 'main' });
    await rev.getByRole('button', { name: /Check acme\/split-gguf main for updates now/ }).click();
    await page.getByRole('heading', { name: 'acme/split-gguf at main' }).waitFor();
    const changes = page.locator('table.changes');
    assert.match((await changes.textContent())!, /demo-Q4_K_M-00002-of-00002\.gguf\s*changed/);
    assert.match((await changes.textContent())!, /README\.md\s*changed/);
    await shot('42-update-changes');
    await page.goto(`${s.webUrl}/models`);
    await rev.getByText('update available').waitFor();
    await shot('43-update-badge');
    await rev.getByRole('button', { name: /^Pin acme\/split-gguf main/ }).click();
    await page.getByRole('status').filter({ hasText: 'pinned to its commit' }).waitFor();
    assert.equal(await rev.getByText('update available').count(), 0, 'a pinned revision is not flagged');
    await rev.getByText('pinned', { exact: true }).waitFor();
    assert.equal(await rev.getByRole('button', { name: /Check .* now/ }).count(), 0);
    await rev.getByRole('button', { name: /^Unpin/ }).click();
    await rev.getByText('update available').waitFor();

    // Update: only what changed, as a job; then the revision is current again
    await rev.getByRole('button', { name: /^Update acme\/split-gguf main/ }).click();
    await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
    await page.locator('#job-status', { hasText: 'succeeded' }).waitFor({ timeout: 120_000 });
    await shot('44-update-job');
    await page.goto(`${s.webUrl}/models`);
    await rev.getByRole('button', { name: /Check acme\/split-gguf main for updates now/ }).waitFor();
    assert.equal(await rev.getByText('update available').count(), 0, 'up to date after the update');
  });
});
