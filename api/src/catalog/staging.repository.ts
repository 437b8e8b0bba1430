// An update's staging entry (db/migrations/0009_update_staging.sql): the revision's new state, filled in
// <root>/.d011dl/staging/<entry id>/ by the update job, then applied to the entry it updates.
import type { Queryable } from '../db/pool.ts';
import { catalogRepository, type ModelKey, type TargetFile } from './catalog.repository.ts';

export const stagingRepository = {
  /** The staging entry of `modelId` (made now, or the one an unfinished update left), with its files. */
  async create(db: Queryable, of: ModelKey & { id: string }, files: TargetFile[]): Promise<{ stagingId: string; fileIds: string[] }> {
    const r = await db.query<{ id: string }>(
      `INSERT INTO models (author, repo, revision, storage, staging_of) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (staging_of) WHERE staging_of IS NOT NULL DO UPDATE SET updated_at = now()
       RETURNING id`,
      [of.author, of.repo, of.revision, of.storage, of.id],
    );
    const stagingId = r.rows[0]!.id;
    // files of an earlier update attempt that are not in this one go
    await db.query('DELETE FROM model_files WHERE model_id = $1 AND NOT (path = ANY($2::text[]))', [stagingId, files.map((f) => f.path)]);
    return { stagingId, fileIds: await catalogRepository.upsertFiles(db, stagingId, files, false) };
  },

  /** The entry a staging entry updates, or null when `id` is not a staging entry. */
  async target(db: Queryable, stagingId: string): Promise<string | null> {
    const r = await db.query<{ staging_of: string | null }>('SELECT staging_of FROM models WHERE id = $1', [stagingId]);
    return r.rows[0]?.staging_of ?? null;
  },

  /**
   * The staged state becomes the entry's: files gone upstream are dropped, the others take the staged
   * size, hashes and state. Returns the entry's file ids for the staged paths. The caller removes the
   * staging entry (after moving what refers to it) and refreshes the entry.
   */
  async apply(db: Queryable, stagingId: string, modelId: string): Promise<string[]> {
    await db.query(`DELETE FROM model_files WHERE model_id = $2 AND path NOT IN (SELECT path FROM model_files WHERE model_id = $1)`, [stagingId, modelId]);
    const r = await db.query<{ id: string }>(
      `INSERT INTO model_files (model_id, path, size_bytes, sha256, git_oid, is_lfs, status, bytes_done, error, linked_from, downloaded_at)
       SELECT $2, path, size_bytes, sha256, git_oid, is_lfs, status, bytes_done, error, linked_from, downloaded_at
         FROM model_files WHERE model_id = $1
       ON CONFLICT (model_id, path) DO UPDATE SET
         size_bytes = EXCLUDED.size_bytes, sha256 = EXCLUDED.sha256, git_oid = EXCLUDED.git_oid, is_lfs = EXCLUDED.is_lfs,
         status = EXCLUDED.status, bytes_done = EXCLUDED.bytes_done, error = EXCLUDED.error,
         -- a file carried over unchanged keeps its history
         linked_from = CASE WHEN model_files.git_oid IS NOT DISTINCT FROM EXCLUDED.git_oid THEN model_files.linked_from ELSE EXCLUDED.linked_from END,
         downloaded_at = CASE WHEN model_files.git_oid IS NOT DISTINCT FROM EXCLUDED.git_oid THEN model_files.downloaded_at ELSE EXCLUDED.downloaded_at END,
         updated_at = now()
       RETURNING id`,
      [stagingId, modelId],
    );
    return r.rows.map((row) => row.id);
  },

  /** The staging entry of an entry, if an update left one. */
  async of(db: Queryable, modelId: string): Promise<string | null> {
    const r = await db.query<{ id: string }>('SELECT id FROM models WHERE staging_of = $1', [modelId]);
    return r.rows[0]?.id ?? null;
  },

  async remove(db: Queryable, stagingId: string): Promise<void> {
    await db.query('DELETE FROM models WHERE id = $1 AND staging_of IS NOT NULL', [stagingId]);
  },
};
