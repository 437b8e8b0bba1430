// The catalog's file rows (`model_files`): what a revision holds, file by file. Half of the catalog's
// repository: catalog.repository.ts merges it with the model rows' queries (some of which count these
// rows too). No module outside the catalog queries the table.
import type { Queryable } from '../db/pool.ts';
import type { ModelKey } from './catalog.repository.ts';

const FILE_COLUMNS = 'f.id, f.path, f.size_bytes, f.sha256, f.git_oid, f.is_lfs, f.status, f.bytes_done, f.error, f.linked_from, f.updated_at';

export type FileStatus = 'pending' | 'downloading' | 'done' | 'failed';

/** One row of model_files, as every reader sees it. */
export interface ModelFileRow {
  id: string;
  path: string;
  size_bytes: number;
  sha256: string | null;
  git_oid: string | null;
  is_lfs: boolean;
  status: FileStatus;
  bytes_done: number;
  error: string | null;
  /** the revision this file was linked from instead of downloaded (de-duplication), or null */
  linked_from: string | null;
  updated_at: Date;
}

/** A file of the Hub's tree at a commit, as a download selects it. */
export interface TargetFile {
  path: string;
  size: number;
  sha256: string | null;
  gitOid: string;
  isLfs: boolean;
}

export const modelFilesRepository = {
  async files(db: Queryable, modelId: string): Promise<ModelFileRow[]> {
    const r = await db.query<ModelFileRow>(`SELECT ${FILE_COLUMNS} FROM model_files f WHERE f.model_id = $1 ORDER BY f.path`, [modelId]);
    return r.rows;
  },

  /** The files a download tracks (download_files links them; downloads owns that table). */
  async filesOfDownload(db: Queryable, downloadId: string): Promise<ModelFileRow[]> {
    const r = await db.query<ModelFileRow>(
      `SELECT ${FILE_COLUMNS} FROM download_files df JOIN model_files f ON f.id = df.model_file_id
        WHERE df.download_id = $1 ORDER BY f.path`,
      [downloadId],
    );
    return r.rows;
  },

  /** Done files of a revision on a root, or on any root when `storage` is left out (the quant table's marks). */
  async doneFiles(
    db: Queryable,
    m: Omit<ModelKey, 'storage'> & { storage?: string | undefined },
  ): Promise<Map<string, { size: number; gitOid: string | null }>> {
    const r = await db.query<{ path: string; size_bytes: number; git_oid: string | null }>(
      `SELECT f.path, f.size_bytes, f.git_oid FROM model_files f JOIN models m ON m.id = f.model_id
        WHERE m.author = $1 AND m.repo = $2 AND m.revision = $3 AND ($4::text IS NULL OR m.storage = $4) AND m.staging_of IS NULL AND f.status = 'done'`,
      [m.author, m.repo, m.revision, m.storage ?? null],
    );
    return new Map(r.rows.map((row) => [row.path, { size: row.size_bytes, gitOid: row.git_oid }]));
  },

  // A file whose size or hash changed at the Hub goes back to pending; an unchanged done file stays
  // done (the job re-checks it on disk) unless the download is forced.
  async upsertFiles(db: Queryable, modelId: string, files: TargetFile[], force: boolean): Promise<string[]> {
    const r = await db.query<{ id: string }>(
      `INSERT INTO model_files (model_id, path, size_bytes, sha256, git_oid, is_lfs, status)
       SELECT $1, f.path, f.size, f.sha256, f.oid, f.lfs, 'pending'
         FROM unnest($2::text[], $3::bigint[], $4::text[], $5::text[], $6::boolean[]) AS f(path, size, sha256, oid, lfs)
       ON CONFLICT (model_id, path) DO UPDATE SET
         status = CASE WHEN NOT $7 AND model_files.status = 'done'
                        AND model_files.size_bytes = EXCLUDED.size_bytes
                        AND model_files.git_oid IS NOT DISTINCT FROM EXCLUDED.git_oid
                       THEN 'done' ELSE 'pending' END,
         error = CASE WHEN model_files.status = 'done' AND NOT $7 AND model_files.git_oid IS NOT DISTINCT FROM EXCLUDED.git_oid THEN model_files.error ELSE NULL END,
         size_bytes = EXCLUDED.size_bytes, sha256 = EXCLUDED.sha256, git_oid = EXCLUDED.git_oid,
         is_lfs = EXCLUDED.is_lfs, updated_at = now()
       RETURNING id`,
      [modelId, files.map((f) => f.path), files.map((f) => f.size), files.map((f) => f.sha256), files.map((f) => f.gitOid), files.map((f) => f.isLfs), force],
    );
    return r.rows.map((row) => row.id);
  },

  async setFileStatus(
    db: Queryable,
    fileId: string,
    s: { status: FileStatus; error?: string | null; sha256?: string | null; bytesDone?: number },
  ): Promise<void> {
    await db.query(
      // a file that is not done any more was not linked either (de-duplication: library/dedup.ts)
      `UPDATE model_files SET status = $2, error = $3, sha256 = coalesce($4, sha256), bytes_done = coalesce($5, bytes_done),
              linked_from = CASE WHEN $2 = 'done' THEN linked_from ELSE NULL END,
              downloaded_at = CASE WHEN $2 = 'done' THEN now() ELSE downloaded_at END, updated_at = now()
        WHERE id = $1`,
      [fileId, s.status, s.error ?? null, s.sha256 ?? null, s.bytesDone ?? null],
    );
  },

  /** A file that is complete without a download: linked (or copied and verified) from `from`. */
  async markLinked(db: Queryable, fileId: string, from: string): Promise<void> {
    await db.query(
      `UPDATE model_files SET status = 'done', error = NULL, bytes_done = size_bytes, linked_from = $2, downloaded_at = now(), updated_at = now()
        WHERE id = $1`,
      [fileId, from],
    );
  },

  /**
   * Complete copies of a file's content elsewhere on one root (de-duplication): same SHA-256 for an LFS
   * file, same git blob id for another, and the same size; the newest first.
   */
  async doneCopies(
    db: Queryable,
    q: { storage: string; fileId: string; size: number; sha256: string | null; gitOid: string | null; isLfs: boolean },
  ): Promise<Array<ModelKey & { path: string }>> {
    const hash = q.isLfs ? q.sha256 : q.gitOid;
    if (!hash) return [];
    // spelled out per kind so each uses its partial index (db/migrations/0006_library.sql)
    const byContent = q.isLfs ? 'f.sha256 = $4 AND f.sha256 IS NOT NULL' : 'f.git_oid = $4 AND f.git_oid IS NOT NULL AND NOT f.is_lfs';
    const r = await db.query<ModelKey & { path: string }>(
      `SELECT m.storage, m.author, m.repo, m.revision, f.path
         FROM model_files f JOIN models m ON m.id = f.model_id
        WHERE f.status = 'done' AND ${byContent} AND m.storage = $1 AND m.staging_of IS NULL AND f.id <> $2 AND f.size_bytes = $3
        ORDER BY f.downloaded_at DESC NULLS LAST LIMIT 5`,
      [q.storage, q.fileId, q.size, hash],
    );
    return r.rows;
  },

  /** For each file, whether its content is already done on the root (de-duplication will link it). */
  async hasDoneCopies(db: Queryable, storage: string, files: Array<Pick<TargetFile, 'size' | 'sha256' | 'gitOid' | 'isLfs'>>): Promise<boolean[]> {
    if (!files.length) return [];
    const r = await db.query<{ i: string }>(
      `SELECT t.i FROM unnest($2::text[], $3::text[], $4::bigint[], $5::boolean[]) WITH ORDINALITY AS t(sha256, oid, size, lfs, i)
        WHERE EXISTS (SELECT 1 FROM model_files f JOIN models m ON m.id = f.model_id
                       WHERE f.status = 'done' AND m.storage = $1 AND m.staging_of IS NULL AND f.size_bytes = t.size
                         AND ((t.lfs AND f.sha256 = t.sha256) OR (NOT t.lfs AND NOT f.is_lfs AND f.git_oid = t.oid)))`,
      [storage, files.map((f) => f.sha256), files.map((f) => f.gitOid), files.map((f) => f.size), files.map((f) => f.isLfs)],
    );
    const found = new Set(r.rows.map((row) => Number(row.i) - 1));
    return files.map((_f, i) => found.has(i));
  },

  async setFilesBytes(db: Queryable, rows: Array<{ id: string; bytes: number }>): Promise<void> {
    if (!rows.length) return;
    await db.query(
      `UPDATE model_files f SET bytes_done = v.bytes, updated_at = now()
         FROM unnest($1::uuid[], $2::bigint[]) AS v(id, bytes) WHERE f.id = v.id`,
      [rows.map((r) => r.id), rows.map((r) => r.bytes)],
    );
  },

  /** Done files of these models (the mirror's view), optionally only one path; `model_id` says whose folder holds each. */
  async doneFilesOfModels(db: Queryable, modelIds: string[], onlyPath: string | null): Promise<Array<ModelFileRow & { model_id: string }>> {
    const r = await db.query<ModelFileRow & { model_id: string }>(
      `SELECT f.model_id, ${FILE_COLUMNS} FROM model_files f
        WHERE f.model_id = ANY($1::uuid[]) AND f.status = 'done' AND ($2::text IS NULL OR f.path = $2) ORDER BY f.path`,
      [modelIds, onlyPath],
    );
    return r.rows;
  },

  async resetFailedFiles(db: Queryable, fileIds: string[]): Promise<number> {
    const r = await db.query(`UPDATE model_files SET status = 'pending', error = NULL, updated_at = now() WHERE id = ANY($1::uuid[]) AND status = 'failed'`, [
      fileIds,
    ]);
    return r.rowCount ?? 0;
  },

  /** Removes some files' rows of a model; returns the paths that were tracked. */
  async deleteFiles(db: Queryable, modelId: string, paths: string[]): Promise<string[]> {
    const r = await db.query<{ path: string }>('DELETE FROM model_files WHERE model_id = $1 AND path = ANY($2::text[]) RETURNING path', [modelId, paths]);
    return r.rows.map((row) => row.path);
  },
};
