// JobProgress: what the job page shows as speed, ETA and "waiting for the Hub".
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JobProgress } from '../src/jobs/job-progress.ts';

const MB = 1_000_000;

test('speed counts only bytes that arrived in this run, over a window; resumed bytes are done but not speed', () => {
  const p = new JobProgress(100 * MB, 1);
  const t0 = 1_000_000;
  p.sample(t0);
  p.found('f', 60 * MB); // a resumed partial
  p.add('f', 2 * MB);
  const s = p.sample(t0 + 1000);
  assert.equal(p.bytesDone, 62 * MB);
  assert.equal(s.speedBps, 2 * MB);
  assert.equal(s.etaS, 19);
});

test('the ETA of a steady link does not swing: at most half or double the previous estimate a second on', () => {
  const p = new JobProgress(1000 * MB, 1);
  let t = 0;
  p.sample(t);
  for (let i = 0; i < 12; i++) {
    p.add('f', 10 * MB);
    p.sample((t += 1000));
  }
  const before = p.sample(t).etaS!;
  // a burst ten times the usual rate in one second
  p.add('f', 100 * MB);
  const after = p.sample((t += 1000)).etaS!;
  assert.ok(after >= (before - 1) / 2 && after <= before * 2, `${before} s → ${after} s`);
});

test('a job shows it is waiting only while none of its files receives bytes', () => {
  const p = new JobProgress(10 * MB, 2);
  p.setWaiting('a', { reason: 'huggingface.co answered 503', retryAt: Date.now() + 40_000, attempt: 7 });
  p.add('b', MB); // the other file still flows
  assert.equal(p.waiting(), null);
  const w = p.waiting(Date.now() + 5_000);
  assert.equal(w?.attempt, 7);
  assert.match(w?.message ?? '', /503/);
  p.setWaiting('a', null);
  assert.equal(p.waiting(Date.now() + 5_000), null);
});
