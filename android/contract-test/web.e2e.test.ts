// The app's screens exported for web (react-native-web) in headless Chromium at a phone viewport,
// against the real API + PostgreSQL + hub simulator. The export is served with the API proxied under
// /api on the same origin (the API sends no CORS headers; a phone app needs none). Run from the repo
// root with
//   node scripts/test.ts android/contract-test/web.e2e.test.ts
// Screenshots go to android/e2e-screenshots/ (not committed).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, statSync } from 'node:fs';
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startStack, type Stack } from '../../web/test/helpers/stack.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `skipped: ${CHROMIUM} not found`;
const appDir = path.resolve(import.meta.dirname, '..');
const dist = path.join(appDir, 'dist-web');
const shots = path.join(appDir, 'e2e-screenshots');

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.png': 'image/png', '.json': 'application/json', '.ico': 'image/x-icon', '.ttf': 'font/ttf' };

function serve(apiUrl: string): Promise<Server> {
  const api = new URL(apiUrl);
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname.startsWith('/api/')) {
      const upstream = http.request(
        { host: api.hostname, port: api.port, method: req.method, path: url.pathname.slice(4) + url.search, headers: { ...req.headers, host: api.host } },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      upstream.on('error', () => res.writeHead(502).end());
      req.pipe(upstream);
      return;
    }
    let file = path.join(dist, decodeURIComponent(url.pathname));
    if (!file.startsWith(dist) || !existsSync(file) || statSync(file).isDirectory()) file = path.join(dist, 'index.html');
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('android screens on web, phone viewport, real API', { skip }, () => {
  let s: Stack;
  let server: Server;
  let browser: Browser;
  let page: Page;
  let origin: string;
  let jobId = ''; // the job the first test starts; the later ones look at it
  before(async () => {
    if (!existsSync(path.join(dist, 'index.html')) || process.env.REBUILD_WEB === '1') {
      const r = spawnSync('npx', ['expo', 'export', '--platform', 'web', '--output-dir', 'dist-web'], { cwd: appDir, stdio: 'inherit', timeout: 300_000 });
      assert.equal(r.status, 0, 'expo export --platform web');
    }
    mkdirSync(shots, { recursive: true });
    s = await startStack();
    server = await serve(s.apiUrl);
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
    page = await browser.newPage({ viewport: { width: 412, height: 915 } });
    page.setDefaultTimeout(20_000);
  });
  after(async () => {
    await browser?.close();
    server?.closeAllConnections();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    await s?.close();
  });

  it('log in, paste, select, download, watch it succeed', async () => {
    const password = 'correct horse battery';
    const reg = await fetch(`${s.apiUrl}/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'webdroid', password }) });
    assert.equal(reg.status, 201);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));

    await page.goto(`${origin}/`);
    await page.getByPlaceholder('https://nas.example.com/api').fill(`${origin}/api`);
    await page.getByPlaceholder('username').fill('webdroid');
    await page.getByPlaceholder('password').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Wrong username or password.').waitFor();
    await page.screenshot({ path: path.join(shots, '01-login-error.png') });
    await page.getByPlaceholder('password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();

    await page.getByPlaceholder('https://huggingface.co/author/repo').fill('https://huggingface.co/acme/tiny-model');
    await page.screenshot({ path: path.join(shots, '02-paste.png') });
    await page.getByRole('button', { name: 'Open' }).click();

    await page.getByText(/Select all/).waitFor();
    await page.getByRole('checkbox', { name: 'config.json', exact: true }).click();
    await page.getByText(/^1 selected · /).waitFor();
    // a whole folder: its two files (one in a subfolder), sent as {path:'nested', type:'dir'} and expanded by the API
    await page.getByRole('checkbox', { name: 'nested/', exact: true }).click();
    await page.getByText(/^3 selected · /).waitFor();
    await page.screenshot({ path: path.join(shots, '03-browse.png') });
    const post = page.waitForRequest((r) => r.method() === 'POST' && new URL(r.url()).pathname === '/api/downloads');
    await page.getByRole('button', { name: 'Download selected' }).click();
    const posted = await post;
    jobId = ((await (await posted.response())!.json()) as { download_id: string }).download_id;
    assert.deepEqual(posted.postDataJSON().selection, [
      { path: 'config.json', type: 'file' },
      { path: 'nested', type: 'dir' },
    ]);

    await page.getByText(/SUCCEEDED · 100\.0%/).waitFor({ timeout: 60_000 });
    await page.getByText('nested/deep/weights.bin', { exact: true }).waitFor();
    await page.getByText('nested/notes.txt', { exact: true }).waitFor();
    await page.screenshot({ path: path.join(shots, '04-job.png') });
    await page.getByRole('button', { name: 'My models' }).click();
    await page.getByText(/^\d+\/\d+ files · /).last().waitFor(); // the models list (the job screen stays mounted underneath)
    await page.getByText('acme/tiny-model @ main').last().waitFor();
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: path.join(shots, '05-models-dark.png') });
    assert.deepEqual(errors, []);
  });

  it('cold start on a job and on My models waits for the stored session', async () => {
    assert.ok(jobId, 'the first test started a job');
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.emulateMedia({ colorScheme: 'light' });
    // a fresh load of the job's address, as a notification tap or a deep link opens it
    await page.goto(`${origin}/job/${jobId}`);
    await page.getByText(/SUCCEEDED · 100\.0%/).waitFor();
    assert.equal(await page.getByText('Enter the server address first.').count(), 0);
    await page.getByText(/^Elapsed .* · average .* · started /).waitFor();
    await page.screenshot({ path: path.join(shots, '06-job-cold-start.png') });
    await page.goto(`${origin}/models`);
    await page.getByText('acme/tiny-model @ main').waitFor();
    assert.equal(await page.getByText('Enter the server address first.').count(), 0);

    await page.getByRole('button', { name: 'Files of acme/tiny-model @ main' }).click();
    await page.getByText('nested/deep/weights.bin', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Rescan acme/tiny-model @ main' }).click();
    await page.getByText(/^Rescanned 3 files: 3 on disk\.$/).waitFor();
    const box = await page.getByRole('button', { name: 'Rescan acme/tiny-model @ main' }).boundingBox();
    assert.ok(box && box.height >= 48, `the Rescan button is ${box?.height} px tall`);
    await page.screenshot({ path: path.join(shots, '07-models-actions.png') });

    // the first account is the administrator: Delete asks first, naming the size and the folder
    await page.getByRole('button', { name: 'Delete acme/tiny-model @ main' }).click();
    await page.getByText(/^Delete acme\/tiny-model @ main from the server\? This removes .+ in \/.+\/acme\/tiny-model\/main\. It cannot be undone\.$/).waitFor();
    await page.screenshot({ path: path.join(shots, '07b-models-delete-question.png') });
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('button', { name: 'Import from disk' }).waitFor();

    await page.getByRole('button', { name: 'Disk usage' }).click();
    await page.getByText('default (default)').waitFor();
    await page.getByText('Used by D011DL').waitFor();
    await page.getByText('acme/tiny-model @ main').last().waitFor(); // the largest revisions
    await page.screenshot({ path: path.join(shots, '07c-disk-usage.png') });
    assert.deepEqual(errors, []);
  });

  it('the jobs list says what each job holds, and opens it', async () => {
    assert.ok(jobId, 'the first test started a job');
    await page.goto(`${origin}/paste`);
    await page.getByRole('link', { name: 'Jobs' }).click();
    await page.getByText('config + nested/ (2 files)').waitFor();
    await page.getByText(/^succeeded · 100\.0% · /).waitFor();
    await page.getByRole('button', { name: /^Done \(1\)$/ }).waitFor();
    await page.screenshot({ path: path.join(shots, '08-jobs.png') });
    await page.getByRole('link', { name: 'acme/tiny-model @ main, succeeded' }).click();
    await page.getByText(/SUCCEEDED · 100\.0%/).last().waitFor();
  });

  it('a 5,002-file tree is counted whole; a linked file is selected', async () => {
    await page.goto(`${origin}/paste`);
    await page.getByPlaceholder('https://huggingface.co/author/repo').fill('https://huggingface.co/acme/many-files');
    await page.getByRole('button', { name: 'Open' }).click();
    await page.getByText('☐ Select all (5002)').waitFor({ timeout: 60_000 });
    await page.getByText(/^5000 files · /).first().waitFor(); // data/
    // the revision chips keep their 48 px above a list of 5,000 rows (a flex list once squeezed them)
    const chips = await page.getByTestId('refs').last().boundingBox();
    assert.ok(chips && chips.height >= 48, `the revision chips show ${chips?.height} px`);
    await page.screenshot({ path: path.join(shots, '09-browse-full-tree.png') });

    await page.goto(`${origin}/paste`);
    await page.getByPlaceholder('https://huggingface.co/author/repo').fill('https://huggingface.co/acme/tiny-model/blob/main/nested/notes.txt');
    await page.getByRole('button', { name: 'Open' }).click();
    await page.getByText(/^1 selected · 25 B$/).waitFor();
    await page.getByRole('checkbox', { name: 'nested/notes.txt', exact: true, checked: true }).waitFor();
    await page.getByRole('checkbox', { name: 'nested/notes.txt', exact: true }).click(); // off: nothing selected
    await page.getByText(/^0 selected · 0 B$/).waitFor();
    await page.screenshot({ path: path.join(shots, '10-browse-linked-file.png') });
  });

  it('an already downloaded file offers Verify and re-download; a gated repo shows its badge first', async () => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${origin}/paste`);
    await page.getByPlaceholder('https://huggingface.co/author/repo').fill('https://huggingface.co/acme/tiny-model/blob/main/nested/notes.txt');
    await page.getByRole('button', { name: 'Open' }).click();
    await page.getByText(/^1 selected · 25 B$/).waitFor(); // downloaded by the first test
    await page.getByRole('button', { name: 'Download selected' }).click();
    await page.getByText('Every selected file is already on the server.').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Download selected' }).count(), 0);
    await page.screenshot({ path: path.join(shots, '11-browse-already-downloaded.png') });
    const post = page.waitForRequest((r) => r.method() === 'POST' && new URL(r.url()).pathname === '/api/downloads');
    await page.getByRole('button', { name: 'Verify and re-download' }).click();
    assert.equal((await post).postDataJSON().force, true);
    await page.getByText(/SUCCEEDED · 100\.0%/).last().waitFor({ timeout: 60_000 });
    // in a browser Copy path writes the clipboard (the phone hands it to the share sheet)
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
    const shown = await page.getByTestId('display-path').last().textContent();
    await page.getByRole('button', { name: 'Copy path' }).last().click();
    await page.getByText('Path copied.').last().waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), shown);

    await page.goto(`${origin}/paste`);
    await page.getByPlaceholder('https://huggingface.co/author/repo').fill('acme/gated-model');
    await page.getByRole('button', { name: 'Open' }).click();
    await page.getByTestId('gated-info').getByText('gated', { exact: true }).waitFor();
    await page.screenshot({ path: path.join(shots, '12-browse-gated.png') });
    assert.deepEqual(errors, []);
  });
});
