import type { Download, Model, ModelFile, StorageRoot } from '@d011dl/contract';

export const ID = '11111111-2222-4333-8444-555555555555';
export const MODEL = '0b7f2c1e-6c1a-4b8e-9d5e-1b2c3d4e5f60';

/** A GET /downloads/:id answer: a running job half done, with `over` applied. */
export function jobFixture(over: Partial<Download>): Download {
  return {
    id: ID, kind: 'download', storage: 'default', source_model_id: null, status: 'running', progress_pct: 50, bytes_done: 1_000_000, bytes_total: 2_000_000, files_done: 0, files_failed: 0, files_total: 1,
    speed_bps: 500_000, eta_s: 2, error: null, waiting: null, started_at: null, finished_at: null, model_id: MODEL, author: 'gpt2', repo: 'tiny', revision: 'main',
    commit_sha: 'a', user_id: null, username: 'alice', local_path: '/nas/gpt2/tiny/main', display_path: '/nas/gpt2/tiny/main', created_at: '2026-01-01T00:00:00Z', log: '', hf_token: null, ...over,
  };
}

/** A GET /db/models entry: gpt2/tiny @ main on the default root, two files done (1234 bytes), with `over` applied. */
export function modelFixture(over: Partial<Model> = {}): Model {
  return {
    id: MODEL, storage: 'default', author: 'gpt2', repo: 'tiny', revision: 'main', commit_sha: null, is_downloaded: true, file_count: 2, total_size_bytes: 1234,
    files_done: 2, files_failed: 0, files_tracked: 2, files_downloading: 0, bytes_done: 1234, bytes_on_disk: 1234, bytes_tracked: 1234,
    local_path: '/nas/gpt2/tiny/main', display_path: '/nas/gpt2/tiny/main', downloaded_at: null, created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z',
    update_available: false, hub_commit_sha: null, checked_at: null, pinned: false, ...over,
  };
}

/** A GET /db/models/:id/files entry: a done file of 1000 bytes (partial bytes when not done), with `over` applied. */
export function fileFixture(path: string, over: Partial<ModelFile> = {}): ModelFile {
  const status = over.status ?? 'done';
  return {
    id: over.id ?? FILE_IDS[path] ?? 'aaaaaaaa-6c1a-4b8e-9d5e-1b2c3d4e5f60', path, size_bytes: 1000, bytes_done: status === 'done' ? 1000 : 0, sha256: null, oid: null, status,
    error: null, linked_from: null, updated_at: '2026-01-01T00:00:00Z', ...over,
  };
}
const FILE_IDS: Record<string, string> = {
  'config.json': 'aaaaaaaa-6c1a-4b8e-9d5e-1b2c3d4e5f60',
  'model.bin': 'bbbbbbbb-6c1a-4b8e-9d5e-1b2c3d4e5f60',
  'model.safetensors': 'cccccccc-6c1a-4b8e-9d5e-1b2c3d4e5f60',
};

/** A GET /storage root: mounted, 1 TB with 400 GB free, the reserve 1 GB, with `over` applied. */
export function rootFixture(name: string, over: Partial<StorageRoot> = {}): StorageRoot {
  return {
    name, path: `/srv/${name}`, display_path: `/srv/${name}`, is_default: name === 'default', ok: true, problem: null, total_bytes: 1_000_000_000_000,
    free_bytes: 400_000_000_000, reserve_bytes: 1_000_000_000, used_bytes: 0, models: 0, largest: [], ...over,
  };
}
