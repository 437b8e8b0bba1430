// A full disk (ENOSPC) on a small tmpfs: a clear, permanent NoSpace error, nothing at the destination,
// the partial kept so the download resumes once space is freed; runFiles stops the set.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startHubSim, type CatalogConfig, type HubSim } from '../../../hubsim/src/index.ts';
import { DownloadError, downloadFile, runFiles } from '../../src/engine/index.ts';
import { assertExact, exists, MiB, tasksFor, testOptions } from './helpers.ts';
import { partialPath } from '../../src/engine/sidecar.ts';

const REPO = 'acme/roomy';
const catalog: CatalogConfig = {
  tokens: {},
  repos: [
    {
      id: REPO,
      commits: [
        {
          id: 'c1',
          files: { '.gitattributes': '*.bin filter=lfs diff=lfs merge=lfs -text\n', 'big.bin': { lfs: { size: 16 * MiB } }, 'a.txt': 'a\n', 'b.txt': 'b\n' },
        },
      ],
      refs: { branches: { main: 'c1' } },
    },
  ],
};

let sim: HubSim;
before(async () => {
  sim = await startHubSim({ catalog });
});
after(() => sim.close());

/** An 8 MiB tmpfs, or the reason there cannot be one here (mounting needs root). */
async function smallDisk(t: { after(fn: () => Promise<void>): void }): Promise<string | { skip: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'd011dl-enospc-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', dir], { stdio: 'pipe' });
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    return { skip: `cannot mount a tmpfs to fill up (needs root): ${String((err as { stderr?: Buffer }).stderr ?? err).trim()}` };
  }
  t.after(async () => {
    execFileSync('umount', [dir]);
    await rm(dir, { recursive: true, force: true });
  });
  return dir;
}

test('ENOSPC: NoSpace, permanent, dest untouched, partial kept; resumes after space is freed', { timeout: 30_000 }, async (t) => {
  const disk = await smallDisk(t);
  if (typeof disk !== 'string') return t.skip(disk.skip);
  const [task] = await tasksFor(sim, REPO, disk, (p) => p === 'big.bin');
  // slow enough for a checkpoint to record progress before the disk fills up
  sim.faults.set({ bandwidthPerConn: 16 * MiB });
  const opts = testOptions(sim, { checkpointMs: 50 });

  const err = await downloadFile(task!, opts).then(
    () => assert.fail('should run out of space'),
    (e: unknown) => e,
  );

  assert.ok(err instanceof DownloadError, String(err));
  assert.equal(err.code, 'NoSpace');
  assert.equal(err.permanent, true);
  assert.match(err.message, /No space left on the storage device/);
  assert.equal(await exists(task!.dest), false);
  assert.equal(await exists(partialPath(task!.dest)), true);

  execFileSync('mount', ['-o', 'remount,size=64m', disk]);
  sim.faults.reset();
  const again = testOptions(sim);
  const res = await downloadFile(task!, again);
  assert.equal(res.status, 'done');
  await assertExact(sim, REPO, task!);
  const resumed = again.rec.events.find((e) => e.type === 'resume')?.bytes ?? 0;
  t.diagnostic(`resumed with ${resumed} bytes already on disk`);
  assert.ok(resumed > 0, 'resumed from the checkpointed bytes');
  assert.equal(res.bytesFetched, task!.size - resumed);
});

test('runFiles stops the whole set on NoSpace', { timeout: 30_000 }, async (t) => {
  const disk = await smallDisk(t);
  if (typeof disk !== 'string') return t.skip(disk.skip);
  const tasks = await tasksFor(sim, REPO, disk, (p) => p.endsWith('.bin') || p.endsWith('.txt'));
  const ordered = [tasks.find((x) => x.path === 'big.bin')!, ...tasks.filter((x) => x.path !== 'big.bin')];
  const outcomes = await runFiles(ordered, { ...testOptions(sim), concurrency: 1 });
  assert.equal(outcomes[0]?.error?.code, 'NoSpace');
  // small files run in a pool of their own beside the big one: each either finished before the disk
  // filled, or was stopped (not started, or canceled mid-way) and left nothing at its final path
  for (const o of outcomes.slice(1)) {
    if (o.result) {
      assert.equal(await exists(o.task.dest), true);
      continue;
    }
    assert.ok(o.error?.code === 'Canceled' || o.error?.code === 'NoSpace', `${o.task.path}: ${o.error?.code}`);
    assert.equal(await exists(o.task.dest), false);
  }
});
