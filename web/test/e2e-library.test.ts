// The library in a real browser (issue 14): a download to a second storage root, disk usage per root,
// deleting a revision and chosen files after a confirmation that names size and path. Same setup as
// e2e-catalog.test.ts (chromium via playwright-core, real API, PostgreSQL, hubsim).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { formatBytes } from '@d011dl/contract';
import type { Browser, Page } from 'playwright-core';
import { createFirstAdmin, launchChromium, screenshotSizes, skip } from './helpers/browser.ts';
import { Browser as FormBrowser, startStack, type Stack } from './helpers/stack.ts';

describe('library in a real browser', { skip }, () => {
  let s: Stack;
  let browser: Browser;
  let page: Page;
  let base: string;
  let fast: string;
  before(async () => {
    base = await mkdtemp(path.join(os.tmpdir(), 'd011dl-weblib-'));
    fast = path.join(base, 'fast');
    await mkdir(fast);
    s = await startStack({ STORAGE_ROOTS: `fast=${fast}`, DISK_RESERVE_MB: '1' });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(15_000);
    await createFirstAdmin(page, s.webUrl, 'erin');
  });
  after(async () => {
    await browser?.close();
    await s?.close();
    if (base) await rm(base, { recursive: true, force: true });
  });

  const shot = (name: string) => screenshotSizes(page, name);
  const repoPage = (repo: string, revision = 'main') => page.goto(`${s.webUrl}/?${new URLSearchParams({ url: `${s.sim.url}/acme/${repo}`, revision })}`);
  const downloadAll = async () => {
    await page.getByLabel('Select all').check();
    await page.getByRole('button', { name: 'Download selected' }).click();
    await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
    await page.locator('#job-status', { hasText: 'succeeded' }).waitFor({ timeout: 60_000 });
  };
  const catalogRow = async (revision: string, root: string) => {
    await page.goto(`${s.webUrl}/models?author=acme&repo=tiny-model`);
    return page.locator('li[data-model]', { hasText: revision }).filter({ has: page.locator('.badge.root', { hasText: `on ${root}` }) });
  };

  it('downloads to a second root chosen on the form; the job says where', async () => {
    await repoPage('tiny-model');
    const choice = page.getByLabel('Storage root');
    assert.deepEqual(await choice.locator('option').evaluateAll((os) => os.map((o) => (o as unknown as { value: string }).value)), ['default', 'fast']);
    await choice.selectOption('fast');
    await page.getByLabel('Select all').check();
    await page.locator('#selected-summary', { hasText: /free on the storage/ }).waitFor();
    await shot('40-download-to-root');
    await page.getByRole('button', { name: 'Download selected' }).click();
    await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
    await page.locator('#job-status', { hasText: 'succeeded' }).waitFor({ timeout: 60_000 });
    assert.equal(await page.locator('#job-kind').textContent(), 'Download to fast');
    assert.ok(existsSync(path.join(fast, 'acme/tiny-model/main/model.safetensors')), 'the files are on the chosen root');
    assert.ok(!existsSync(path.join(s.api.config.storageRoot, 'acme/tiny-model/main')), 'nothing on the default root');
    await page.goto(`${s.webUrl}/jobs`);
    await page.locator('.jobrow .badge.kind', { hasText: 'Download to fast' }).waitFor();
    await shot('41-jobs-kind');
  });

  it('shows disk usage per root, and free space per root on the dashboard', async () => {
    await page.goto(`${s.webUrl}/storage`);
    const fastRoot = page.locator('li.root[data-root="fast"]');
    await fastRoot.getByRole('heading', { name: 'fast' }).waitFor();
    const usage = (await (await fetch(`${s.apiUrl}/storage`, { headers: await authOf(page, s) })).json()) as {
      roots: Array<{ name: string; used_bytes: number }>;
    };
    const model = usage.roots.find((r) => r.name === 'fast')!;
    assert.equal(await fastRoot.locator('.root-used').textContent(), `${formatBytes(model.used_bytes)} in 1 revision`);
    await fastRoot.locator('.largest').getByRole('link', { name: 'acme/tiny-model' }).waitFor();
    assert.equal(await page.locator('li.root[data-root="default"] .root-used').textContent(), `${formatBytes(0)} in 0 revisions`);
    await page.getByRole('button', { name: 'Import from disk' }).waitFor();
    await shot('42-storage');
    await page.goto(`${s.webUrl}/`);
    for (const root of ['default', 'fast']) await page.locator(`.storage-free li[data-root="${root}"] .root-free`, { hasText: / free$/ }).waitFor();
    await shot('43-dashboard-free');
  });

  it('deletes a revision after a confirmation naming its size and path', async () => {
    const row = await catalogRow('main', 'fast');
    const sizeText = /· ([\d.]+ [kMG]?B) of \1 on disk/.exec((await row.locator('.rev-counts').textContent())!)?.[1];
    assert.ok(sizeText, 'the revision shows its size on disk');
    await shot('44-catalog-roots');
    await row.getByRole('button', { name: 'Delete acme/tiny-model main on fast' }).click();
    await page.waitForURL(/\/models\/[0-9a-f-]{36}\/delete\??$/);
    assert.equal(await page.locator('#delete-size').textContent(), sizeText);
    assert.equal((await page.locator('#delete-path').textContent())!.replace(/\u200b/g, ''), path.join(fast, 'acme/tiny-model/main'));
    await shot('45-confirm-delete');
    await page.getByRole('button', { name: `Delete ${sizeText}` }).click();
    await page.waitForURL(/\/models\?notice=/);
    assert.match((await page.locator('.notice').textContent())!, /^Deleted acme\/tiny-model@main from fast: 9 files removed, [\d.]+ [kMG]?B freed\.$/);
    assert.ok(!existsSync(path.join(fast, 'acme')), 'the revision folder and its emptied parents are gone');
    assert.equal(await page.locator('li[data-model]').count(), 0, 'the catalog no longer lists it');
  });

  it('deletes chosen files of a revision', async () => {
    await repoPage('tiny-model');
    await downloadAll();
    const row = await catalogRow('main', 'default');
    await row.getByText(/^Files \(9\)$/).click();
    await row.getByLabel('Choose config.json').check();
    await row.getByLabel('Choose README.md').check();
    await row.getByRole('button', { name: 'Delete the chosen files of acme/tiny-model main' }).click();
    await page.getByRole('heading', { name: 'Delete 2 files of acme/tiny-model@main?' }).waitFor();
    assert.equal(await page.locator('.delete-files li').count(), 2);
    await page.getByRole('button', { name: /^Delete [\d.]+ [kMG]?B$/ }).click();
    await page.waitForURL(/\/models\?notice=/);
    assert.match((await page.locator('.notice').textContent())!, /^Deleted from acme\/tiny-model@main on default: 2 files removed/);
    const dir = path.join(s.api.config.storageRoot, 'acme/tiny-model/main');
    assert.ok(!existsSync(path.join(dir, 'config.json')) && !existsSync(path.join(dir, 'README.md')));
    assert.ok(existsSync(path.join(dir, 'model.safetensors')), 'the other files stay');
    assert.match((await (await catalogRow('main', 'default')).locator('.rev-counts').textContent())!, /^7\/7 files done/);
  });

  it('offers no library actions to a user who is not an administrator, and refuses them', async () => {
    const headers = { ...(await authOf(page, s)), 'content-type': 'application/json' };
    const created = await fetch(`${s.apiUrl}/admin/users`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ username: 'bob', password: 'another good password' }),
    });
    assert.equal(created.status, 201);
    const bob = new FormBrowser(s.webUrl);
    assert.equal((await bob.post('/login', { username: 'bob', password: 'another good password', next: '/' })).status, 303);
    const catalog = await bob.get('/models?author=acme&repo=tiny-model');
    assert.equal(catalog.status, 200);
    assert.match(catalog.body, /on default/, 'the root is shown to everyone');
    assert.doesNotMatch(catalog.body, /Delete…|Delete chosen files|name="op"/);
    const id = /data-model="([0-9a-f-]{36})"/.exec(catalog.body)![1]!;
    const confirm = await bob.get(`/models/${id}/delete`);
    assert.equal(confirm.status, 403);
    assert.match(confirm.body, /Only administrators can delete from the library/);
    const refused = await bob.post(`/models/${id}/delete`, {}, '/models');
    assert.equal(refused.status, 403);
    assert.ok(existsSync(path.join(s.api.config.storageRoot, 'acme/tiny-model/main/model.safetensors')), 'nothing deleted');
    const storage = await bob.get('/storage');
    assert.equal(storage.status, 200);
    assert.doesNotMatch(storage.body, /Import from disk/);
  });
});

/** The API token of the browser's session (the portal keeps it in a cookie), to compare with the API. */
async function authOf(page: Page, s: Stack): Promise<Record<string, string>> {
  const at = (await page.context().cookies(s.webUrl)).find((c) => c.name === 'd011dl_at')!.value;
  return { authorization: `Bearer ${at}` };
}
