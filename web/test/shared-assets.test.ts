// The portal's browser script imports the contract's formatting and glob rules from /static/shared/:
// what it gets must be the contract's code, runnable as plain JavaScript.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { describeFiles, fileState, formatBytes, formatDuration, globFilter, jobAction } from '@d011dl/contract';
import { buildWebApp } from '../src/app.ts';
import { waitingText } from '../src/format.ts';

test('the contract modules are served as JavaScript that behaves as the contract does', async (t) => {
  const server = buildWebApp({ apiBaseUrl: 'http://127.0.0.1:9' }).listen(0, '127.0.0.1');
  t.after(() => server.close());
  await once(server, 'listening');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/static/shared`;
  const load = async (name: string) => {
    const res = await fetch(`${base}/${name}`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/javascript/);
    return import(`data:text/javascript,${encodeURIComponent(await res.text())}`);
  };
  const format = await load('format.js');
  for (const n of [0, 512, 12_345, 999_999, 1_500_000_000, null]) assert.equal(format.formatBytes(n), formatBytes(n));
  assert.equal(format.formatDuration(185), formatDuration(185));
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(format.formatRetryIn(now + 40_000, now), 'in 40 s');
  // the page's first render (server) and its countdown (browser) say the same
  assert.equal(
    waitingText({ message: 'huggingface.co answered 503', retry_at: '2026-01-01T00:00:40Z', attempt: 7 }, now),
    'Waiting for the Hub — retrying in 40 s (attempt 7): huggingface.co answered 503. The download resumes by itself.',
  );
  const glob = await load('glob.js');
  const paths = ['config.json', 'onnx/fp16/model.onnx', 'notes.TXT'];
  for (const filter of ['*.json', 'fp16/*', '*.txt, conf*', '']) {
    const ours = globFilter(filter);
    const served = glob.globFilter(filter);
    assert.deepEqual(served ? paths.filter(served) : null, ours ? paths.filter(ours) : null, filter);
  }
  const jobs = await load('jobs.js');
  const holds = ['model-Q4_K_M.gguf', 'README.md', 'fp16/a.safetensors'];
  assert.equal(jobs.describeFiles(holds), describeFiles(holds));
  const file = { path: 'a', status: 'downloading' as const, bytes_done: 10, size_bytes: 10, error: null };
  assert.equal(jobs.fileState(file, { status: 'running' }), fileState(file, { status: 'running' }));
  assert.equal(jobs.fileState(file, { status: 'running' }), 'verifying');
  assert.deepEqual(jobs.jobAction('canceled'), jobAction('canceled'));
  // only those three: the rest of the contract is not served
  const other = await fetch(`${base}/env.js`, { redirect: 'manual' });
  assert.notEqual(other.status, 200, `${other.status} ${other.headers.get('content-type')}`);
});
