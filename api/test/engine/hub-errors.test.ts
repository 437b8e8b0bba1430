// The Hub's refusals (401/403/404) fail at once, permanently, with the Hub's own explanation,
// and leave nothing at the destination.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startHubSim, type HubSim } from '../../../hubsim/src/index.ts';
import { DownloadError, downloadFile, type FileTask } from '../../src/engine/index.ts';
import { assertExact, exists, taskFor, tempDir, testOptions } from './helpers.ts';
import { partialPath } from '../../src/engine/sidecar.ts';

let sim: HubSim;
before(async () => {
  sim = await startHubSim();
});
after(() => sim.close());

async function failure(task: FileTask, token: string | undefined): Promise<DownloadError> {
  sim.stats.reset();
  const opts = testOptions(sim, token ? { token } : {});
  const err = await downloadFile(task, opts).then(
    () => assert.fail('the download should have failed'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof DownloadError);
  assert.equal(err.permanent, true);
  assert.equal(err.code, 'HubError');
  // one request, no retries
  assert.equal(sim.stats.requests.length, 1);
  assert.equal(await exists(task.dest), false);
  assert.equal(await exists(partialPath(task.dest)), false);
  assert.ok(opts.rec.events.some((e) => e.type === 'failed' && e.message === err.message));
  return err;
}

test('gated repo, token without approval: 403 with the Hub message', async (t) => {
  const task = await taskFor(sim, 'acme/gated-model', await tempDir(t), 'model.safetensors');
  const err = await failure(task, 'hf_bob_token');
  assert.equal(err.httpStatus, 403);
  assert.match(err.message, /403 GatedRepo/);
  assert.match(err.message, /Access to model acme\/gated-model is restricted and you are not in the authorized list/);
});

test('gated repo without a token: 401 GatedRepo', async (t) => {
  const task = await taskFor(sim, 'acme/gated-model', await tempDir(t), 'config.json');
  const err = await failure(task, undefined);
  assert.equal(err.httpStatus, 401);
  assert.match(err.message, /must have access to it and be authenticated/);
});

test('invalid token: 401 with the Hub message', async (t) => {
  const task = await taskFor(sim, 'acme/tiny-model', await tempDir(t), 'config.json');
  const err = await failure(task, 'hf_not_a_real_token');
  assert.equal(err.httpStatus, 401);
  assert.match(err.message, /Invalid credentials in Authorization header/);
});

test('private repo without a token: 401', async (t) => {
  const task = await taskFor(sim, 'acme/private-model', await tempDir(t), 'config.json');
  const err = await failure(task, undefined);
  assert.equal(err.httpStatus, 401);
  assert.match(err.message, /Invalid username or password/);
});

test('missing file: 404 EntryNotFound', async (t) => {
  const task = await taskFor(sim, 'acme/tiny-model', await tempDir(t), 'config.json');
  const missing = {
    ...task,
    path: 'missing.bin',
    url: task.url.replace(/config\.json$/, 'missing.bin'),
    dest: task.dest.replace(/config\.json$/, 'missing.bin'),
  };
  const err = await failure(missing, undefined);
  assert.equal(err.httpStatus, 404);
  assert.match(err.message, /404 EntryNotFound\): Entry not found/);
});

test('gated and private files download with an approved token (served by the Hub itself, with auth)', async (t) => {
  const root = await tempDir(t);
  for (const repo of ['acme/gated-model', 'acme/private-model']) {
    const task = await taskFor(sim, repo, `${root}/${repo}`, 'model.safetensors');
    sim.stats.reset();
    const res = await downloadFile(task, testOptions(sim, { token: 'hf_alice_token' }));
    assert.equal(res.status, 'done');
    await assertExact(sim, repo, task);
    assert.ok(sim.stats.requests.every((r) => r.server === 'hub' && r.auth === true));
  }
});
