// Every way people name a model, pasted into the portal in a real browser at desktop and phone size:
// a bare author/repo, a branch with "/" in it, a pull request page, a file link (selected and scrolled
// into view in a folded 5,000-file tree), a folder link; and the revision picker, which must not load
// another page on an arrow key (WCAG 3.2.2). Screenshots: web/e2e/screenshots/links-*.png.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { createFirstAdmin, launchChromium, shots, skip } from './helpers/browser.ts';
import { startStack, type Stack } from './helpers/stack.ts';

const sizes = [
  { name: 'desktop', viewport: { width: 1280, height: 900 } },
  { name: 'phone', viewport: { width: 390, height: 844 } },
];

describe('pasted links in a real browser', { skip }, () => {
  let s: Stack;
  let browser: Browser;
  let page: Page;
  before(async () => {
    s = await startStack();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: sizes[0]!.viewport });
    page.setDefaultTimeout(20_000);
    await createFirstAdmin(page, s.webUrl, 'lena');
  });
  after(async () => {
    await browser?.close();
    await s?.close();
  });

  const paste = async (link: string) => {
    await page.goto(`${s.webUrl}/`);
    await page.getByLabel('Hugging Face URL').fill(link);
    await page.getByRole('button', { name: 'Check' }).click();
    await page.getByLabel('Revision').waitFor();
  };
  // what the person sees, without scrolling
  // on screen once the page has settled: the scroll happens after the tree is built, and a loaded
  // machine may take a few frames to apply it
  const inView = async (label: string) => {
    const deadline = Date.now() + 5000;
    for (;;) {
      const box = await page.getByLabel(label, { exact: true }).boundingBox();
      const vp = page.viewportSize()!;
      if (box !== null && box.y >= 0 && box.y + box.height <= vp.height && box.x >= 0 && box.x + box.width <= vp.width) return true;
      if (Date.now() > deadline) return false;
      await page.waitForTimeout(100);
    }
  };
  const shot = (name: string, size: string) => page.screenshot({ path: path.join(shots, `links-${name}-${size}.png`) });

  for (const size of sizes) {
    describe(size.name, () => {
      before(() => page.setViewportSize(size.viewport));

      it('a bare author/repo (the Hub\'s "copy model name")', async () => {
        await paste('acme/tiny-model');
        assert.equal(await page.getByLabel('Revision').inputValue(), 'main');
        await page.getByLabel('config.json', { exact: true }).waitFor();
        await shot('01-bare-id', size.name);
      });

      it('a branch with "/" in it', async () => {
        await paste('https://huggingface.co/acme/tiny-model/tree/feature/x');
        assert.equal(await page.getByLabel('Revision').inputValue(), 'feature/x');
        await page.getByLabel('feature-x.txt', { exact: true }).waitFor();
        await shot('02-slash-branch', size.name);
      });

      it('a pull request page opens the PR, listed in the picker', async () => {
        await paste('hf.co/acme/tiny-model/discussions/1');
        assert.equal(await page.getByLabel('Revision').inputValue(), 'refs/pr/1');
        assert.equal((await page.locator('#revision option:checked').textContent())?.trim(), 'PR #1');
        assert.equal(await page.locator('#revision optgroup[label="Pull requests"] option').count(), 1);
        await page.getByLabel('pr-file.txt', { exact: true }).waitFor();
        await shot('03-pr-discussion', size.name);
      });

      it('a file link: the file is selected and scrolled into view in a folded big tree', async () => {
        await paste('https://huggingface.co/acme/many-files/blob/main/data/4/9/item-4999.txt');
        const file = page.getByLabel('data/4/9/item-4999.txt', { exact: true });
        await page.getByText(/^1 file selected/).waitFor();
        assert.equal(await file.isChecked(), true);
        assert.equal(await page.getByLabel('data/0/0/item-0000.txt', { exact: true }).isChecked(), false);
        assert.ok(await inView('data/4/9/item-4999.txt'), 'the linked file is on screen');
        await shot('04-blob-preselected', size.name);
      });

      it('a folder link: the folder and what it holds are selected, on screen', async () => {
        await paste('https://huggingface.co/acme/many-files/tree/main/data/3/7');
        await page.getByText(/^100 files selected/).waitFor();
        assert.equal(await page.getByLabel('data/3/7', { exact: true }).isChecked(), true);
        assert.equal(await page.getByLabel('data/3/7/item-3799.txt', { exact: true }).isChecked(), true);
        assert.ok(await inView('data/3/7'), 'the linked folder is on screen');
        await shot('05-folder-preselected', size.name);
      });

      it('a /resolve/ link on a slash branch selects the file', async () => {
        await paste('https://huggingface.co/acme/tiny-model/resolve/feature/x/feature-x.txt?download=true');
        assert.equal(await page.getByLabel('Revision').inputValue(), 'feature/x');
        await page.getByText(/^1 file selected/).waitFor();
        assert.equal(await page.getByLabel('feature-x.txt', { exact: true }).isChecked(), true);
      });

      it('the revision picker changes nothing on ArrowDown; "Show" does', async () => {
        await paste('acme/tiny-model');
        const before = page.url();
        const documents: string[] = [];
        const onRequest = (r: { isNavigationRequest(): boolean; url(): string }) => {
          if (r.isNavigationRequest()) documents.push(r.url());
        };
        page.on('request', onRequest);
        await page.getByLabel('Revision').focus();
        await page.keyboard.press('ArrowDown');
        // the change event has run (the one that used to submit the form)...
        await page.locator('#rev-show.primary').waitFor();
        assert.notEqual(await page.getByLabel('Revision').inputValue(), 'main');
        // ...and after a round trip to the portal, still no page was requested
        assert.equal(await page.evaluate(() => fetch('/healthz').then((r) => r.status)), 200);
        page.off('request', onRequest);
        assert.deepEqual(documents, []);
        assert.equal(page.url(), before);
        await shot('06-picker-arrowdown', size.name);
        const chosen = await page.getByLabel('Revision').inputValue();
        await page.getByRole('button', { name: 'Show' }).click();
        await page.waitForURL((u) => u.searchParams.get('revision') === chosen);
        assert.equal(await page.getByLabel('Revision').inputValue(), chosen);
      });
    });
  }

  it('says so when the linked file is not in the revision chosen next', async () => {
    await page.setViewportSize(sizes[0]!.viewport);
    await paste('https://huggingface.co/acme/tiny-model/blob/dev/dev-only.txt');
    await page.getByText(/^1 file selected/).waitFor();
    assert.equal(await page.locator('#link-missing').isVisible(), false);
    await page.getByLabel('Revision').selectOption('main');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL((u) => u.searchParams.get('revision') === 'main');
    await page.getByText('The link names dev-only.txt, which is not in main.').waitFor();
    await page.getByText(/^Nothing selected/).waitFor();
  });

  it('says so when a linked ref does not exist', async () => {
    await page.setViewportSize(sizes[0]!.viewport);
    await page.goto(`${s.webUrl}/?${new URLSearchParams({ url: 'https://huggingface.co/acme/tiny-model/tree/feature/y/z' })}`);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match((await alert.textContent())!, /acme\/tiny-model has no branch or tag "feature", "feature\/y" or "feature\/y\/z"/);
    await shot('07-unknown-ref', 'desktop');
  });
});
