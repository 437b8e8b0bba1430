// Shared set-up of the mirror tests: the real API listening on a port (the official clients are
// separate processes), the hub simulator as the upstream, and `hf` (huggingface_hub) runs.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import type { AddressInfo } from 'node:net';
import { startHubSim, type ExpectedFile, type HubSim } from '@d011dl/hubsim';
import { hfCliEnv } from '../../src/jobs/hf-cli-env.ts';
import { bearer, registerAndLogin, startTestApp, type TestApp } from './app.ts';
import { waitForStatus } from './downloads.ts';

const probe = spawnSync('hf', ['--help'], { encoding: 'utf8' });
export const HF_MISSING = probe.error || probe.status !== 0 ? 'hf CLI not on PATH: install it with `pip install huggingface_hub`' : false;
if (HF_MISSING && process.env.REQUIRE_HF_CLI === '1') test('hf CLI present', () => assert.fail(HF_MISSING));
else if (HF_MISSING) test('hf CLI present', (t) => t.skip(HF_MISSING));

export interface MirrorEnv {
  sim: HubSim;
  t: TestApp;
  /** http://127.0.0.1:<port> of the API */
  api: string;
  /** the mirror's HF_ENDPOINT */
  endpoint: string;
  session: string;
  userId: string;
  download(author: string, repo: string, revision: string, selection?: Array<{ path: string; type: 'file' | 'dir' }>): Promise<void>;
  createToken(scope: 'mirror:read' | 'api', name?: string): Promise<string>;
  close(): Promise<void>;
}

export async function startMirrorEnv(env: Record<string, string> = {}): Promise<MirrorEnv> {
  const sim = await startHubSim();
  const t = await startTestApp({ HF_ENDPOINT: sim.url, ...env });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const api = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  const { token: session, userId } = await registerAndLogin(t.app);
  return {
    sim,
    t,
    api,
    endpoint: `${api}/mirror`,
    session,
    userId,
    async download(author, repo, revision, selection = []) {
      const res = await t.app.inject({ method: 'POST', url: '/downloads', payload: { author, repo, revision, selection }, headers: bearer(session) });
      assert.equal(res.statusCode, 202, res.body);
      const d = await waitForStatus(t.app, session, res.json().download_id, ['succeeded', 'failed'], 120_000);
      assert.equal(d.status, 'succeeded', JSON.stringify(d));
    },
    async createToken(scope, name = `t-${scope}`) {
      const res = await t.app.inject({ method: 'POST', url: '/auth/tokens', payload: { name, scope }, headers: bearer(session) });
      assert.equal(res.statusCode, 201, res.body);
      return res.json().token;
    },
    async close() {
      await t.close();
      await sim.close();
    },
  };
}

export interface HfResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `hf download …` against the mirror, in the environment production gives hf (no Xet, no stray tokens). */
export function hf(endpoint: string, hfHome: string, args: string[], token?: string): Promise<HfResult> {
  return new Promise((resolve) => {
    execFile('hf', ['download', ...args], { env: hfCliEnv({ endpoint, hfHome, token }), timeout: 120_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** A Python snippet with huggingface_hub imported after HF_ENDPOINT is set (it reads it at import). */
export function python(endpoint: string, hfHome: string, script: string, token?: string): Promise<HfResult> {
  return new Promise((resolve) => {
    execFile('python3', ['-c', script], { env: hfCliEnv({ endpoint, hfHome, token }), timeout: 120_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

export function ok(r: HfResult): void {
  assert.equal(r.code, 0, `failed:\n${r.stdout}\n${r.stderr}`);
}

/** SHA-256 for LFS files, the git blob id for the others: what the Hub says a file is. */
export function identity(bytes: Buffer, f: ExpectedFile): string {
  return f.lfs ? createHash('sha256').update(bytes).digest('hex') : createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() || e.isSymbolicLink())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .filter((p) => !p.startsWith('.cache/'))
    .sort();
}

/** Requests the simulator saw apart from the test's own, for "the mirror never asks upstream". */
export const upstream = (sim: HubSim) => sim.stats.requests.map((r) => `${r.method} ${r.path}`);
