#!/usr/bin/env node
// Checks the AndroidManifest.xml that `expo prebuild` generates (run by `npm run prebuild:android`),
// so CI fails when a config plugin stops adding what the app relies on:
//  - the share sheet: an intent-filter with action SEND, category DEFAULT, mimeType text/* (expo-share-intent)
//  - deep links: an intent-filter with action VIEW, categories DEFAULT + BROWSABLE, scheme d011dl (app.json "scheme")
//  - plain http:// to a LAN address: android:usesCleartextTraffic="true" on <application> (expo-build-properties)
// Usage: node scripts/check-manifest.mjs [path/to/AndroidManifest.xml]
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const file = process.argv[2] ?? path.join(here, '..', 'android', 'app', 'src', 'main', 'AndroidManifest.xml');
const xml = readFileSync(file, 'utf8').replace(/<!--[\s\S]*?-->/g, '');

function attrs(tag) {
  const out = {};
  for (const m of tag.matchAll(/([\w:.-]+)\s*=\s*"([^"]*)"/g)) out[m[1]] = m[2];
  return out;
}

/** Opening tags `<name …>` or `<name …/>` inside `text`, as attribute maps. */
function tags(text, name) {
  return [...text.matchAll(new RegExp(`<${name}(\\s[^>]*)?/?>`, 'g'))].map((m) => attrs(m[1] ?? ''));
}

const failures = [];

const application = tags(xml, 'application')[0];
if (!application) failures.push('no <application> element');
else if (application['android:usesCleartextTraffic'] !== 'true') {
  failures.push(`<application> must have android:usesCleartextTraffic="true" (found ${JSON.stringify(application['android:usesCleartextTraffic'] ?? null)})`);
}

const activity = [...xml.matchAll(/<activity(\s[^>]*)>([\s\S]*?)<\/activity>/g)].find((m) => attrs(m[1])['android:name'] === '.MainActivity');
if (!activity) failures.push('no .MainActivity <activity> element');
const filters = activity
  ? [...activity[2].matchAll(/<intent-filter(?:\s[^>]*)?>([\s\S]*?)<\/intent-filter>/g)].map((m) => ({
      actions: tags(m[1], 'action').map((a) => a['android:name']),
      categories: tags(m[1], 'category').map((c) => c['android:name']),
      data: tags(m[1], 'data'),
    }))
  : [];

function expectFilter(what, ok) {
  if (activity && !filters.some(ok)) failures.push(`.MainActivity has no intent-filter for ${what}`);
}
expectFilter(
  'the share sheet (action SEND, category DEFAULT, mimeType text/*)',
  (f) => f.actions.includes('android.intent.action.SEND') && f.categories.includes('android.intent.category.DEFAULT') && f.data.some((d) => d['android:mimeType'] === 'text/*'),
);
expectFilter(
  'deep links (action VIEW, categories DEFAULT and BROWSABLE, scheme d011dl)',
  (f) =>
    f.actions.includes('android.intent.action.VIEW') &&
    f.categories.includes('android.intent.category.DEFAULT') &&
    f.categories.includes('android.intent.category.BROWSABLE') &&
    f.data.some((d) => d['android:scheme'] === 'd011dl'),
);

if (failures.length) {
  console.error(`${file}:\n${failures.map((f) => `  ✗ ${f}`).join('\n')}`);
  process.exit(1);
}
console.log(`${path.relative(process.cwd(), file)}: share (SEND text/*), deep link (VIEW d011dl://) and usesCleartextTraffic are in place`);
