// What every browser test shares: Debian's Chromium (skipped with a message when it is missing, a failure
// with REQUIRE_CHROMIUM=1), where screenshots go, the two screen sizes, and a first sign-up.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.REQUIRE_CHROMIUM === '1') throw new Error(`REQUIRE_CHROMIUM=1 but ${CHROMIUM} does not exist (apt-get install chromium)`);

/** For describe(…, { skip }): false, or why the browser tests cannot run here. */
export const skip: string | false = haveChromium
  ? false
  : `browser tests skipped: ${CHROMIUM} not found (apt-get install -y chromium, or set REQUIRE_CHROMIUM=1 to make this a failure)`;
if (skip) console.log(`# ${skip}`);

/** web/e2e/screenshots/ (not committed), created on first use. */
export const shots = path.resolve(import.meta.dirname, '..', '..', 'e2e', 'screenshots');

export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 390, height: 844 };

export async function launchChromium(): Promise<Browser> {
  mkdirSync(shots, { recursive: true });
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A new installation's first visit: the administrator account is created, the dashboard is shown. */
export async function createFirstAdmin(page: Page, webUrl: string, username: string, password = 'correct horse battery'): Promise<void> {
  await page.goto(`${webUrl}/`);
  await page.waitForURL(/\/register/);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create administrator' }).click();
  await page.getByLabel('Hugging Face URL').waitFor();
}

/**
 * Screenshots of the page as it is now at desktop and phone size (`<name>-desktop.png`, `-phone.png`),
 * and in dark mode at desktop size when asked (`-desktop-dark.png`); the page's own size is restored.
 */
export async function screenshotSizes(page: Page, name: string, opts: { dark?: boolean } = {}): Promise<void> {
  const size = page.viewportSize()!;
  for (const [label, viewport] of [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ] as const) {
    await page.setViewportSize(viewport);
    await page.screenshot({ path: path.join(shots, `${name}-${label}.png`), fullPage: true, timeout: 90_000 });
  }
  if (opts.dark) {
    await page.setViewportSize(DESKTOP);
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: path.join(shots, `${name}-desktop-dark.png`), fullPage: true, timeout: 90_000 });
    await page.emulateMedia({ colorScheme: 'light' });
  }
  await page.setViewportSize(size);
}
