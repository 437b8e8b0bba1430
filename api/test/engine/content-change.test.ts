// The file changes on the Hub between attempts (sim.mutateFile): the engine notices through the ETag
// (X-Linked-Etag on the Hub, If-Range on the serving host) and starts over instead of mixing versions.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { startHubSim, type CatalogConfig, type HubSim } from '../../../hubsim/src/index.ts';
import { DownloadError, downloadFile, type EngineOptions, type FileTask } from '../../src/engine/index.ts';
import { assertExact, exists, MiB, sha256, taskFor, tempDir, testOptions } from './helpers.ts';
import { partialPath, sidecarPath } from '../../src/engine/sidecar.ts';

const REPO = 'acme/changing';
const LFS = 'weights.bin'; // 8 MiB
const TEXT = 'notes.txt'; // 2 MiB regular git file

const catalog: CatalogConfig = {
  tokens: {},
  repos: [
    {
      id: REPO,
      commits: [
        {
          id: 'c1',
          files: {
            '.gitattributes': '*.bin filter=lfs diff=lfs merge=lfs -text\n',
            [LFS]: { lfs: { size: 8 * MiB } },
            [TEXT]: Array.from({ length: 2 * 16384 }, (_, i) => `line ${String(i).padStart(57, '0')}\n`).join(''),
          },
        },
      ],
      refs: { branches: { main: 'c1' } },
    },
  ],
};

/** Each test changes files: it gets its own simulator, so the "old" content is the catalog's. */
async function ownSim(t: { after(fn: () => Promise<void>): void }): Promise<HubSim> {
  const sim = await startHubSim({ catalog });
  t.after(() => sim.close());
  return sim;
}

/** Starts the download and cancels it at 30%, leaving a partial and its sidecar. */
async function cancelEarly(sim: HubSim, task: FileTask, extra: Partial<EngineOptions> = {}): Promise<void> {
  sim.faults.set({ bandwidthPerConn: 8 * MiB });
  const ctl = new AbortController();
  const opts = testOptions(sim, { ...extra, signal: ctl.signal });
  opts.onBytes = (_p, d) => {
    opts.rec.bytes += d;
    if (opts.rec.bytes >= 0.3 * task.size) ctl.abort();
  };
  await assert.rejects(downloadFile(task, opts), (e: unknown) => e instanceof DownloadError && e.code === 'Canceled');
  assert.equal(await exists(sidecarPath(task.dest)), true);
  sim.faults.reset();
}

test('changed between a cancel and the resume, with the old hash expected: restart, then IntegrityError', { timeout: 30_000 }, async (t) => {
  const own = await ownSim(t);
  const task = await taskFor(own, REPO, await tempDir(t), LFS);
  const oldSha = task.sha256!;
  await cancelEarly(own, task);
  own.mutateFile(REPO, LFS, 'new content');
  const newSha = sha256(await own.fileBytes(REPO, 'main', LFS));

  const opts = testOptions(own);
  const err = await downloadFile(task, opts).then(
    () => assert.fail('should fail'),
    (e: unknown) => e,
  );

  assert.ok(err instanceof DownloadError);
  assert.equal(err.code, 'IntegrityError');
  assert.equal(err.permanent, true);
  assert.ok(err.message.includes(`expected ${oldSha}, got ${newSha}`), err.message);
  const restarts = opts.rec.events.filter((e) => e.type === 'restart').map((e) => e.message ?? '');
  assert.match(restarts[0]!, /changed on the Hub \(ETag/);
  assert.match(restarts[1]!, /does not match.*downloading again from zero/);
  assert.equal(await exists(task.dest), false);
  assert.equal(await exists(partialPath(task.dest)), false);
  assert.equal(await exists(sidecarPath(task.dest)), false);
});

test('changed between a cancel and the resume, no expected hash: starts over and gets the new bytes', { timeout: 30_000 }, async (t) => {
  const own = await ownSim(t);
  const { sha256: _drop, ...task } = await taskFor(own, REPO, await tempDir(t), LFS);
  await cancelEarly(own, task);
  own.mutateFile(REPO, LFS, 'newer content');
  own.stats.reset();

  const opts = testOptions(own);
  const res = await downloadFile(task, opts);

  assert.equal(res.status, 'done');
  await assertExact(own, REPO, task);
  assert.equal(res.bytesFetched, task.size);
  assert.ok(opts.rec.events.some((e) => e.type === 'restart' && /ETag/.test(e.message ?? '')));
});

test('a regular file changed mid-download: If-Range gets a 200, the engine starts over, then fails on the new size', { timeout: 30_000 }, async (t) => {
  const own = await ownSim(t);
  const task = await taskFor(own, REPO, await tempDir(t), TEXT);
  // the first body breaks after 800 kB; the file changes as soon as those bytes are on disk
  own.faults.set({ rules: [{ kind: 'reset', match: 'resolve-cache', afterBytes: 800_000 }] });
  const opts = testOptions(own);
  opts.onBytes = (_p, d) => {
    if (opts.rec.bytes === 0) own.mutateFile(REPO, TEXT, 'rewritten');
    opts.rec.bytes += d;
  };

  const err = await downloadFile(task, opts).then(
    () => assert.fail('should fail'),
    (e: unknown) => e,
  );

  assert.ok(err instanceof DownloadError && err.code === 'IntegrityError', String(err));
  const newSize = (await own.fileBytes(REPO, 'main', TEXT)).length;
  assert.match(err.message, new RegExp(`the server has ${newSize} bytes, the tree at this commit says ${task.size}`));
  assert.deepEqual(opts.rec.types(), ['start', 'retry', 'restart', 'restart', 'start', 'failed']);
  // the resumed request (If-Range: old ETag) was answered with the whole new file
  assert.match(opts.rec.events[2]!.message!, /changed on the server \(ETag/);
  const cache = own.stats.requests.filter((r) => r.path.includes('resolve-cache'));
  assert.equal(cache[1]?.status, 200);
  assert.match(cache[1]?.range ?? '', /^bytes=[1-9]/);
  assert.equal(opts.rec.bytes, 0, 'discarded bytes were taken back from the progress');
  assert.equal(await exists(task.dest), false);
  assert.equal(await exists(partialPath(task.dest)), false);
});

test('an LFS file changed mid-download keeps coming from its content-addressed CDN URL: the pinned bytes', { timeout: 30_000 }, async (t) => {
  const own = await ownSim(t);
  const task = await taskFor(own, REPO, await tempDir(t), LFS);
  const pinned = await own.fileBytes(REPO, 'main', LFS);
  own.faults.set({ bandwidthPerConn: 8 * MiB });
  const opts = testOptions(own);
  let changed = false;
  opts.onBytes = (_p, d) => {
    if (!changed && (opts.rec.bytes += d) >= 0.3 * task.size) {
      changed = true;
      own.mutateFile(REPO, LFS, 'moved on');
      own.faults.addRule({ kind: 'reset', match: `path=${LFS}`, afterBytes: 1000 });
    }
  };
  const res = await downloadFile(task, opts);
  assert.equal(res.status, 'done');
  assert.equal(sha256(await readFile(task.dest)), sha256(pinned));
  assert.equal(res.sha256, task.sha256);
});
