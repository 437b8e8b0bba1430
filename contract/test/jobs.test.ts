import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DownloadFile } from '../src/downloads.ts';
import { averageSpeed, describeFiles, elapsedSeconds, fileState, jobAction, logTail, shortName, statusLabel } from '../src/jobs.ts';

const f = (status: DownloadFile['status'], bytes_done = 0, size_bytes = 1000) => ({ status, bytes_done, size_bytes });

test('what a job holds: quantizations, root files and folders', () => {
  assert.equal(describeFiles(['model-Q4_K_M.gguf', 'README.md']), 'Q4_K_M + README');
  assert.equal(describeFiles(['fp16/a.safetensors', 'fp16/b.safetensors']), 'fp16/ (2 files)');
  assert.equal(describeFiles(['x.IQ3_XS.gguf', 'onnx/model.onnx', 'config.json', 'tokenizer.json', 'vocab.txt']), 'IQ3_XS + onnx/ (1 file) + config + 2 more');
  assert.equal(describeFiles([]), 'no files');
  assert.equal(shortName('weights/llama-bf16.gguf'), 'BF16');
  assert.equal(shortName('Makefile'), 'Makefile');
});

test('file states: queued, downloading, verifying, done, failed, paused', () => {
  assert.equal(fileState(f('pending'), { status: 'running' }), 'queued');
  assert.equal(fileState(f('downloading', 10), { status: 'running' }), 'downloading');
  // all bytes are there but the file is not done yet: its checksum is being checked
  assert.equal(fileState(f('downloading', 1000), { status: 'running' }), 'verifying');
  assert.equal(fileState(f('downloading', 0, 0), { status: 'running' }), 'downloading');
  assert.equal(fileState(f('done', 1000), { status: 'running' }), 'done');
  assert.equal(fileState(f('failed', 10), { status: 'running' }), 'failed');
  // a canceled or failed job keeps its partials, which a retry resumes
  assert.equal(fileState(f('downloading', 500), { status: 'canceled' }), 'paused');
  assert.equal(fileState(f('pending'), { status: 'failed' }), 'paused');
  assert.equal(fileState(f('done', 1000), { status: 'canceled' }), 'done');
});

test('elapsed time, average speed and the log tail', () => {
  const started_at = '2026-01-01T00:00:00Z';
  const now = Date.parse('2026-01-01T00:01:40Z');
  assert.equal(elapsedSeconds({ started_at: null, finished_at: null }, now), null);
  assert.equal(elapsedSeconds({ started_at, finished_at: null }, now), 100);
  assert.equal(elapsedSeconds({ started_at, finished_at: '2026-01-01T00:00:10Z' }, now), 10);
  assert.equal(averageSpeed({ started_at, finished_at: null, bytes_done: 5000 }, now), 50);
  assert.equal(averageSpeed({ started_at: null, finished_at: null, bytes_done: 5000 }, now), null);
  assert.equal(logTail(`${Array.from({ length: 30 }, (_, i) => `line ${i}`).join('\n')}\n`, 3), 'line 27\nline 28\nline 29');
});

test('actions are named for what they do', () => {
  assert.deepEqual(jobAction('running'), { action: 'pause', label: 'Pause', api: 'cancel' });
  assert.deepEqual(jobAction('queued')?.label, 'Pause');
  assert.deepEqual(jobAction('canceled'), { action: 'resume', label: 'Resume', api: 'retry' });
  assert.deepEqual(jobAction('failed'), { action: 'retry', label: 'Retry', api: 'retry' });
  assert.equal(jobAction('succeeded'), null);
  assert.equal(statusLabel('canceled'), 'paused');
  assert.equal(statusLabel('running'), 'running');
});
