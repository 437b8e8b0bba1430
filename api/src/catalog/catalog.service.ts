import type { Model, ModelFile } from '@d011dl/contract';
import type { Db } from '../db/pool.ts';
import { notFound } from '../http-errors.ts';
import { modelDir } from '../storage/layout.ts';
import { catalogRepository as repo, type ModelFilter, type ModelRow } from './catalog.repository.ts';

export function createCatalogService(deps: { db: Db; storageRoot: string }) {
  const toModel = (m: ModelRow): Model => ({
    id: m.id,
    author: m.author,
    repo: m.repo,
    revision: m.revision,
    commit_sha: m.commit_sha,
    is_downloaded: m.is_downloaded,
    file_count: m.file_count,
    total_size_bytes: m.total_size_bytes,
    files_done: m.files_done,
    files_failed: m.files_failed,
    files_tracked: m.files_tracked,
    local_path: modelDir(deps.storageRoot, m.author, m.repo, m.revision),
    downloaded_at: m.downloaded_at?.toISOString() ?? null,
    created_at: m.created_at.toISOString(),
    updated_at: m.updated_at.toISOString(),
  });

  return {
    async listModels(filter: ModelFilter): Promise<Model[]> {
      // PostgreSQL text cannot hold NUL, and no name on record has one: nothing matches
      if ([filter.author, filter.repo, filter.revision].some((v) => v?.includes('\0'))) return [];
      return (await repo.listModels(deps.db, filter)).map(toModel);
    },

    async listFiles(modelId: string): Promise<ModelFile[]> {
      if (!(await repo.modelExists(deps.db, modelId))) throw notFound(`No model with id ${modelId}`);
      return (await repo.listFiles(deps.db, modelId)).map((f) => ({
        id: f.id,
        path: f.path,
        size_bytes: f.size_bytes,
        sha256: f.sha256,
        oid: f.git_oid,
        status: f.status,
        error: f.error,
        updated_at: f.updated_at.toISOString(),
      }));
    },
  };
}

export type CatalogService = ReturnType<typeof createCatalogService>;
