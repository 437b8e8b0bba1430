import type { Download } from '@d011dl/contract';

export const ID = '11111111-2222-4333-8444-555555555555';
export const MODEL = '0b7f2c1e-6c1a-4b8e-9d5e-1b2c3d4e5f60';

/** A GET /downloads/:id answer: a running job half done, with `over` applied. */
export function jobFixture(over: Partial<Download>): Download {
  return {
    id: ID, kind: 'download', storage: 'default', source_model_id: null, status: 'running', progress_pct: 50, bytes_done: 1_000_000, bytes_total: 2_000_000, files_done: 0, files_failed: 0, files_total: 1,
    speed_bps: 500_000, eta_s: 2, error: null, waiting: null, started_at: null, finished_at: null, model_id: MODEL, author: 'gpt2', repo: 'tiny', revision: 'main',
    commit_sha: 'a', user_id: null, username: 'alice', local_path: '/nas/gpt2/tiny/main', display_path: '/nas/gpt2/tiny/main', created_at: '2026-01-01T00:00:00Z', log: '', ...over,
  };
}
