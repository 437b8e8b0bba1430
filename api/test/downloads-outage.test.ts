// Jobs on a real line: a Hub outage mid-job is waited out with no one pressing Retry, the job says it is
// waiting; per-file bytes rise while a file downloads; speed after a resume counts only new bytes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startHubSim, type CatalogConfig, type HubSim } from '@d011dl/hubsim';
import { bearer, registerAndLogin, startTestApp, type TestApp } from './helpers/app.ts';
import { assertFilesExact, waitForStatus, until } from './helpers/downloads.ts';

const MiB = 1024 * 1024;
const catalog: CatalogConfig = {
  tokens: {},
  repos: [
    {
      id: 'acme/line',
      commits: [
        {
          id: 'c1',
          files: { '.gitattributes': '*.bin filter=lfs diff=lfs merge=lfs -text\n', 'README.md': '# line\n', 'weights.bin': { lfs: { size: 24 * MiB + 3 } } },
        },
      ],
      refs: { branches: { main: 'c1' } },
    },
    {
      id: 'acme/slow',
      commits: [
        {
          id: 'c1',
          files: { '.gitattributes': '*.bin filter=lfs diff=lfs merge=lfs -text\n', 'README.md': '# slow\n', 'weights.bin': { lfs: { size: 24 * MiB + 3 } } },
        },
      ],
      refs: { branches: { main: 'c1' } },
    },
  ],
};

describe('jobs on a real line', () => {
  let sim: HubSim;
  let t: TestApp;
  let token: string;
  before(async () => {
    sim = await startHubSim({ catalog });
    t = await startTestApp({
      HF_ENDPOINT: sim.url,
      DOWNLOAD_RETRIES: '3',
      SEGMENT_CONNECTIONS: '4',
      STALL_TIMEOUT_S: '2',
      LOG_LEVEL: process.env.DEBUG_TEST ? 'info' : 'silent',
    });
    token = (await registerAndLogin(t.app)).token;
  });
  after(async () => {
    await t.close();
    await sim.close();
  });
  const get = async (url: string) => (await t.app.inject({ url, headers: bearer(token) })).json();
  const start = async (repo: string): Promise<string> => {
    const res = await t.app.inject({ method: 'POST', url: '/downloads', headers: bearer(token), payload: { author: 'acme', repo, revision: 'main' } });
    assert.equal(res.statusCode, 202, res.body);
    return res.json().download_id;
  };

  it('waits out a 20 s Hub outage mid-job, showing why, and ends succeeded with no one pressing Retry', { timeout: 180_000 }, async () => {
    sim.faults.set({ bandwidthPerConn: 2 * MiB });
    const id = await start('line');
    await until(
      'a third downloaded',
      () => get(`/downloads/${id}`),
      (d) => d.bytes_done > (24 * MiB) / 3,
    );
    // the Hub goes away for 20 s: open connections fall silent (and are dropped after STALL_TIMEOUT_S),
    // every new request fails, far beyond the 3 quick retries
    sim.faults.set({ bandwidthPerConn: 1, rules: [{ kind: 'status', status: 503, count: 1_000_000 }] });
    const waiting = await until(
      'the job shows it waits for the Hub',
      () => get(`/downloads/${id}`),
      (d) => d.waiting !== null,
    );
    assert.equal(waiting.status, 'running');
    assert.match(waiting.waiting.message, /answered 503/);
    assert.ok(waiting.waiting.attempt > 3);
    assert.ok(Date.parse(waiting.waiting.retry_at) > 0);
    await new Promise((r) => setTimeout(r, 20_000)); // the outage itself lasts 20 s
    sim.faults.reset();
    const d = await waitForStatus(t.app, token, id, ['succeeded', 'failed'], 150_000);
    assert.equal(d.status, 'succeeded', d.log);
    assert.equal(d.waiting, null);
    await assertFilesExact(sim, t.config.storageRoot, 'acme/line', 'main', 'main');
  });

  it("shows each downloading file's bytes rising, and after a resume counts only new bytes as speed", { timeout: 120_000 }, async () => {
    sim.faults.set({ bandwidthPerConn: 512 * 1024 });
    const id = await start('slow');
    const fileBytes = async () =>
      ((await get(`/downloads/${id}/files`)).files as Array<{ path: string; bytes_done: number }>).find((f) => f.path === 'weights.bin')!.bytes_done;
    const first = await until('weights.bin has bytes', fileBytes, (b) => b > 0);
    await until('weights.bin has more bytes', fileBytes, (b) => b > first + 512 * 1024);
    const cancel = await t.app.inject({ method: 'POST', url: `/downloads/${id}/cancel`, headers: bearer(token) });
    assert.equal(cancel.statusCode, 200);
    await until(
      'canceled',
      () => get(`/downloads/${id}`),
      (d) => d.status === 'canceled',
    );
    // slow the line right down: the resumed bytes must not show up as a burst of speed
    sim.faults.set({ bandwidthPerConn: 64 * 1024 });
    const retry = await t.app.inject({ method: 'POST', url: `/downloads/${id}/retry`, headers: bearer(token) });
    assert.equal(retry.statusCode, 200);
    const running = await until(
      'speed after the resume',
      () => get(`/downloads/${id}`),
      (d) => d.status === 'running' && d.speed_bps !== null,
    );
    // 4 connections × 64 KiB/s: well under 1 MiB/s, whatever was already on disk
    assert.ok(running.speed_bps < 1 * MiB, `speed ${running.speed_bps} B/s counts resumed bytes`);
    sim.faults.reset();
    const d = await waitForStatus(t.app, token, id, ['succeeded', 'failed'], 100_000);
    assert.equal(d.status, 'succeeded', d.log);
  });
});
