// npm run bench:portal — how long the portal takes with a 5,000-file repo in a real browser (Chromium):
// page ready (the whole tree in the form) and "Select all". Measured here, never asserted in a test:
// a shared, loaded machine makes wall-clock bounds in tests flaky (web/test/e2e.test.ts only prints them).
//   node bench/portal-tree.ts [--runs 5]
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../api/src/db/embedded.ts';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 5;
const dir = mkdtempSync(path.join(os.tmpdir(), 'd011dl-bench-pg-'));
const cluster = await startEmbeddedPostgres(dir, { info: () => {}, warn: (m) => console.error(m) }, 'postgres');
const c = cluster.connection;
Object.assign(process.env, { TEST_PGHOST: c.host, TEST_PGPORT: String(c.port), TEST_PGUSER: c.user, TEST_PGPASSWORD: c.password });
const { startStack } = await import('../web/test/helpers/stack.ts');
const { chromium } = await import('playwright-core');

const stack = await startStack();
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(60_000);
  await page.goto(`${stack.webUrl}/register`);
  await page.getByLabel('Username').fill('bench');
  await page.getByLabel('Password').fill('bench-password-1');
  await page.getByRole('button', { name: 'Register' }).click();
  await page.getByLabel('Hugging Face URL').waitFor();
  const ready: number[] = [];
  const selectAll: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await page.goto(`${stack.webUrl}/?${new URLSearchParams({ url: `${stack.sim.url}/acme/many-files` })}`);
    await page.getByLabel('data/4/9/item-4999.txt', { exact: true }).waitFor({ state: 'attached' });
    ready.push(performance.now() - t0);
    const t1 = performance.now();
    await page.getByLabel('Select all').check();
    await page.getByText(/^5002 files selected/).waitFor();
    selectAll.push(performance.now() - t1);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(
    `5,002-file tree, ${runs} runs: page ready median ${Math.round(median(ready))} ms (${ready.map(Math.round).join(', ')}), ` +
      `select all median ${Math.round(median(selectAll))} ms (${selectAll.map(Math.round).join(', ')})`,
  );
} finally {
  await browser.close();
  await stack.close();
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
}
