import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

const envModule = path.join(import.meta.dirname, '..', 'src', 'env.ts');

// loadDotEnv changes process.env, so it runs in a process of its own
function settingsIn(env: Record<string, string>): Record<string, string | undefined> {
  const script = `const { loadDotEnv } = await import(${JSON.stringify(envModule)}); const e = loadDotEnv(); console.log(JSON.stringify({ A: e.A, B: e.B }));`;
  const { PATH } = process.env;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { env: { PATH, ...env }, encoding: 'utf8' }));
}

test('.env adds settings, the real environment wins, no file changes nothing', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'd011dl-env-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, '.env');
  writeFileSync(file, 'A=from-file\nB="quoted value"\n');
  assert.deepEqual(settingsIn({ ENV_FILE: file }), { A: 'from-file', B: 'quoted value' });
  assert.deepEqual(settingsIn({ ENV_FILE: file, A: 'from-env' }), { A: 'from-env', B: 'quoted value' });
  assert.deepEqual(settingsIn({ ENV_FILE: path.join(dir, 'missing.env'), A: 'x' }), { A: 'x' });
});
