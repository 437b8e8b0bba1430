import { stat } from 'node:fs/promises';
import type { Model, ModelFile, RescanResponse } from '@d011dl/contract';
import type { Db, Queryable } from '../db/pool.ts';
import { verifyFile } from '../engine/verify-file.ts';
import { notFound } from '../http-errors.ts';
import { finalPath } from '../storage/file-paths.ts';
import type { StorageRoots } from '../storage/storage-roots.ts';
import { updateFields } from '../updates/update-fields.ts';
import { catalogRepository as repo, type ModelFilter, type ModelKey, type ModelRow, type TargetFile } from './catalog.repository.ts';

export function createCatalogService(deps: { db: Db; roots: StorageRoots }) {
  const { db, roots } = deps;
  const toModel = (m: ModelRow): Model => {
    return {
      id: m.id,
      storage: m.storage,
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
      files_downloading: m.files_downloading,
      bytes_done: m.bytes_done,
      bytes_on_disk: m.bytes_on_disk,
      bytes_tracked: m.bytes_tracked,
      local_path: roots.revisionDir(m),
      display_path: roots.displayPath(m),
      downloaded_at: m.downloaded_at?.toISOString() ?? null,
      created_at: m.created_at.toISOString(),
      updated_at: m.updated_at.toISOString(),
      ...updateFields(m),
    };
  };

  /** The revision folder of a catalog entry, on its root (as configured). */
  const revisionDir = (m: ModelKey) => roots.revisionDir(m);

  async function requireModel(modelId: string) {
    const m = await repo.model(db, modelId);
    if (!m) throw notFound(`No model with id ${modelId}`);
    return m;
  }

  return {
    revisionDir,
    requireModel,

    async listModels(filter: ModelFilter): Promise<Model[]> {
      // PostgreSQL text cannot hold NUL, and no name on record has one: nothing matches
      if ([filter.author, filter.repo, filter.revision].some((v) => v?.includes('\0'))) return [];
      return (await repo.listModels(db, filter)).map(toModel);
    },

    async listFiles(modelId: string): Promise<ModelFile[]> {
      await requireModel(modelId);
      return (await repo.files(db, modelId)).map((f) => ({
        id: f.id,
        path: f.path,
        size_bytes: f.size_bytes,
        bytes_done: f.status === 'done' ? f.size_bytes : Math.min(f.bytes_done, f.size_bytes),
        sha256: f.sha256,
        oid: f.git_oid,
        status: f.status,
        error: f.error,
        linked_from: f.linked_from,
        updated_at: f.updated_at.toISOString(),
      }));
    },

    /** For each file, whether its content is already complete on the root (de-duplication links it). */
    hasDoneCopies: (storage: string, files: TargetFile[]) => repo.hasDoneCopies(db, storage, files),

    /** Bytes on disk per storage root, with the largest revisions of each. */
    usageByRoot: (top: number) => repo.usageByRoot(db, top),

    /** Paths of the model recorded as downloaded, with what they were recorded as. */
    doneFiles: (m: Omit<ModelKey, 'storage'> & { storage?: string | undefined }) => repo.doneFiles(db, m),

    /** The files a download tracks, in path order. */
    filesOfDownload: (downloadId: string) => repo.filesOfDownload(db, downloadId),

    /** Failed files go back to pending (a retry), inside the caller's transaction. */
    resetFailed: (tx: Queryable, fileIds: string[]) => repo.resetFailedFiles(tx, fileIds),

    /** Records a selection inside the caller's transaction; returns the model and its files' ids. */
    async recordSelection(tx: Queryable, m: ModelKey, targets: TargetFile[], force: boolean): Promise<{ modelId: string; fileIds: string[] }> {
      const modelId = await repo.upsertModel(tx, m);
      return { modelId, fileIds: await repo.upsertFiles(tx, modelId, targets, force) };
    },

    /** Compares what the catalog says with what is on disk. */
    async rescan(modelId: string, hashes: boolean): Promise<RescanResponse> {
      const m = await requireModel(modelId);
      const dir = roots.revisionDir(m);
      const out = { files_checked: 0, present: 0, missing: 0, mismatched: 0 };
      for (const f of await repo.files(db, modelId)) {
        if (f.status === 'downloading') continue;
        out.files_checked++;
        const p = finalPath(dir, f.path);
        const size = (await stat(p).catch(() => null))?.size;
        let status = f.status;
        let error: string | null = f.error;
        let problem: string | null = null;
        if (size === undefined) {
          out.missing++;
          if (f.status === 'done') [status, error] = ['pending', 'not on disk at the last rescan'];
        } else if (size !== f.size_bytes || (hashes && (problem = await verifyFile(p, f)))) {
          out.mismatched++;
          [status, error] = ['failed', `on disk: ${problem ?? `${size} bytes, expected ${f.size_bytes}`}`];
        } else {
          out.present++;
          [status, error] = ['done', null];
        }
        if (status !== f.status || error !== f.error) await repo.setFileStatus(db, f.id, { status, error, bytesDone: status === 'done' ? f.size_bytes : 0 });
      }
      await repo.refreshModel(db, modelId, null);
      return out;
    },

    /** Marks the model's files that are not on disk as failed; returns how many. */
    async markMissing(modelId: string): Promise<number> {
      const m = await requireModel(modelId);
      const dir = roots.revisionDir(m);
      let n = 0;
      for (const f of await repo.files(db, modelId)) {
        if (f.status === 'failed' || f.status === 'downloading') continue;
        if ((await stat(finalPath(dir, f.path)).catch(() => null))?.isFile()) continue;
        await repo.setFileStatus(db, f.id, { status: 'failed', error: 'missing from disk', bytesDone: 0 });
        n++;
      }
      await repo.refreshModel(db, modelId, null);
      return n;
    },
  };
}

export type CatalogService = ReturnType<typeof createCatalogService>;
