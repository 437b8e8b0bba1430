import { describe, expect, it, jest } from '@jest/globals';
import { screen, waitFor } from '@testing-library/react-native';
import type { Download } from '@d011dl/contract';
import { ApiClient } from '../api/client';
import { KEYS, memoryStore } from '../api/keys';
import { checkWatchedJobs, finishedText, watchJob, watchedJobs } from '../jobs/watch';
import { JobScreen } from '../screens/JobScreen';
import { BASE, fakeFetch } from '../test/fakeFetch';
import { renderSignedIn } from '../test/render';

const A = '11111111-2222-4333-8444-555555555555';
const B = '22222222-2222-4333-8444-555555555555';
function job(id: string, over: Partial<Download> = {}): Download {
  return {
    id, kind: 'download', storage: 'default', source_model_id: null, status: 'running', progress_pct: 10, bytes_done: 1, bytes_total: 10, files_done: 0, files_failed: 0, files_total: 1, speed_bps: null, eta_s: null,
    error: null, waiting: null, started_at: null, finished_at: null, model_id: '0b7f2c1e-6c1a-4b8e-9d5e-1b2c3d4e5f60', author: 'acme', repo: 'tiny', revision: 'main',
    commit_sha: null, user_id: null, username: null, local_path: '/nas/acme/tiny/main', display_path: '/nas/acme/tiny/main', created_at: 'x', log: '', hf_token: null, ...over,
  };
}

describe('watched jobs', () => {
  it('notifies once per finished job and keeps watching running ones', async () => {
    const store = memoryStore({ [KEYS.baseUrl]: BASE, [KEYS.token]: 't', [KEYS.refreshToken]: 'r' });
    await watchJob(store, A);
    await watchJob(store, B);
    await watchJob(store, A);
    expect(await watchedJobs(store)).toEqual([A, B]);
    const { fetch } = fakeFetch({
      [`GET /downloads/${A}`]: () => ({ status: 200, body: job(A, { status: 'succeeded', progress_pct: 100 }) }),
      [`GET /downloads/${B}`]: () => ({ status: 200, body: job(B) }),
    });
    const client = new ApiClient({ store, fetch });
    await client.restore();
    const notify = jest.fn<(job: Download) => void>();
    expect(await checkWatchedJobs(client, store, notify)).toBe(1);
    expect(notify).toHaveBeenCalledTimes(1);
    expect(await watchedJobs(store)).toEqual([B]);
    expect(await checkWatchedJobs(client, store, notify)).toBe(0);
  });

  it('words the notification', () => {
    expect(finishedText(job(A, { status: 'succeeded' }))).toEqual({ title: 'Download finished', body: 'acme/tiny@main is on the NAS: /nas/acme/tiny/main' });
    expect(finishedText(job(A, { status: 'failed', error: 'Not enough free space' })).body).toMatch(/Not enough free space/);
  });

  it('the job screen reports a watched job finishing, once', async () => {
    const { fetch } = fakeFetch({
      [`GET /downloads/${A}`]: () => ({ status: 200, body: job(A, { status: 'succeeded', progress_pct: 100 }) }),
      [`GET /downloads/${A}/files`]: () => ({ status: 200, body: { files: [] } }),
    });
    const onFinished = jest.fn();
    const r = await renderSignedIn(<JobScreen id={A} onModels={() => {}} onFinished={onFinished} />, fetch, { [KEYS.watchedJobs]: JSON.stringify([A]) });
    expect(await screen.findByText(/SUCCEEDED/)).toBeTruthy();
    await waitFor(() => expect(onFinished).toHaveBeenCalledTimes(1));
    await r.unmount();
  });
});
