// A whole small repo against the hub simulator: exact bytes, auth only on the Hub, 0-byte files without
// a request, skipping what is already there, and replacing what is wrong.
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startHubSim, type HubSim } from '../../../hubsim/src/index.ts';
import { runFiles } from '../../src/engine/index.ts';
import { assertExact, exists, sha256, tasksFor, tempDir, testOptions } from './helpers.ts';
import { partialPath } from '../../src/engine/sidecar.ts';

const REPO = 'acme/tiny-model';
let sim: HubSim;
before(async () => {
  sim = await startHubSim();
});
after(() => sim.close());

test('downloads every file of acme/tiny-model byte for byte; the token reaches the Hub only', async (t) => {
  const root = await tempDir(t);
  const tasks = await tasksFor(sim, REPO, root);
  const expected = await sim.expectedFiles(REPO, 'main');
  sim.stats.reset();
  const opts = testOptions(sim, { token: 'hf_alice_token' });

  const outcomes = await runFiles(tasks, opts);

  for (const o of outcomes) {
    assert.equal(o.error, undefined, `${o.task.path}: ${o.error?.message}`);
    assert.equal(o.result?.status, 'done');
    await assertExact(sim, REPO, o.task);
    const want = expected.find((f) => f.path === o.task.path)!;
    assert.equal(o.result?.sha256, sha256(await sim.fileBytes(REPO, 'main', want.path)));
  }
  // LFS files went through a 302 to the CDN, which never saw the Authorization header
  const cdn = sim.stats.requests.filter((r) => r.server === 'cdn');
  const hub = sim.stats.requests.filter((r) => r.server === 'hub');
  assert.equal(cdn.length, 2, 'model.safetensors and nested/deep/weights.bin come from the CDN');
  assert.ok(cdn.every((r) => r.auth === false));
  assert.ok(hub.length > 0 && hub.every((r) => r.auth === true));
  // the 0-byte file needs no request at all
  assert.ok(!sim.stats.requests.some((r) => r.path.includes('empty.txt')));
  assert.equal((await readFile(path.join(root, 'empty.txt'))).length, 0);
  // nothing but the final files is left behind
  const leftovers = (await readdir(root, { recursive: true })).filter((f) => /partial/.test(f));
  assert.deepEqual(leftovers, []);
  const size = tasks.reduce((n, x) => n + x.size, 0);
  assert.equal(opts.rec.bytes, size, 'onBytes adds up to the bytes written');
  assert.ok(opts.rec.events.filter((e) => e.type === 'verified').length >= tasks.length - 1);
});

test('a second run verifies the files on disk and skips them without any request', async (t) => {
  const root = await tempDir(t);
  const tasks = await tasksFor(sim, REPO, root);
  await runFiles(tasks, testOptions(sim));
  sim.stats.reset();
  const opts = testOptions(sim);

  const outcomes = await runFiles(tasks, opts);

  assert.deepEqual(
    outcomes.map((o) => o.result?.status),
    tasks.map(() => 'skipped'),
  );
  assert.equal(sim.stats.requests.length, 0);
  assert.equal(opts.rec.bytes, 0);
});

test('an existing file with the wrong bytes or size is downloaded again and replaced', async (t) => {
  const root = await tempDir(t);
  const tasks = await tasksFor(sim, REPO, root, (p) => p === 'model.safetensors' || p === 'config.json');
  await runFiles(tasks, testOptions(sim));
  const model = tasks.find((x) => x.path === 'model.safetensors')!;
  const config = tasks.find((x) => x.path === 'config.json')!;
  // same size, one byte flipped: only the hash can tell
  const bytes = await readFile(model.dest);
  bytes[12345] = bytes[12345]! ^ 0xff;
  await writeFile(model.dest, bytes);
  await writeFile(config.dest, '{"truncated": tr');
  sim.stats.reset();
  const opts = testOptions(sim);

  const outcomes = await runFiles(tasks, opts);

  assert.deepEqual(
    outcomes.map((o) => o.result?.status),
    ['done', 'done'],
  );
  await assertExact(sim, REPO, model);
  await assertExact(sim, REPO, config);
  assert.ok(opts.rec.events.some((e) => e.path === 'model.safetensors' && e.type === 'start' && /replacing a wrong existing file/.test(e.message ?? '')));
  assert.ok(sim.stats.requests.length > 0);
});

test('runFiles keeps going when one file fails permanently', async (t) => {
  const root = await tempDir(t);
  const tasks = await tasksFor(sim, REPO, root, (p) => p === 'README.md' || p === 'nested/notes.txt');
  const missing = { ...tasks[0]!, path: 'nope.txt', url: tasks[0]!.url.replace('README.md', 'nope.txt'), dest: path.join(root, 'nope.txt') };
  const outcomes = await runFiles([missing, ...tasks], { ...testOptions(sim), concurrency: 1 });
  assert.equal(outcomes[0]?.error?.code, 'HubError');
  assert.equal(outcomes[0]?.error?.permanent, true);
  assert.equal(outcomes[0]?.error?.httpStatus, 404);
  assert.match(outcomes[0]!.error!.message, /Entry not found/);
  assert.equal(await exists(missing.dest), false);
  assert.equal(await exists(partialPath(missing.dest)), false, 'no empty partial left behind');
  assert.deepEqual(
    outcomes.slice(1).map((o) => o.result?.status),
    ['done', 'done'],
  );
});
