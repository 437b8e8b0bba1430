// The catalog owns `models` and `model_files`: every query on them lives here, and nowhere else.
import type { Queryable } from '../db/pool.ts';

export interface ModelRow {
  id: string;
  storage: string;
  author: string;
  repo: string;
  revision: string;
  commit_sha: string | null;
  is_downloaded: boolean;
  file_count: number;
  total_size_bytes: number;
  files_done: number;
  files_failed: number;
  files_tracked: number;
  files_downloading: number;
  bytes_done: number;
  bytes_on_disk: number;
  bytes_tracked: number;
  downloaded_at: Date | null;
  created_at: Date;
  updated_at: Date;
  // update checks (db/migrations/0008_updates.sql; written by api/src/updates)
  pinned: boolean;
  hub_commit_sha: string | null;
  update_checked_at: Date | null;
}

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

export interface ModelFilter {
  author?: string | undefined;
  repo?: string | undefined;
  revision?: string | undefined;
  downloaded?: boolean | undefined;
  storage?: string | undefined;
}

export interface ModelKey {
  storage: string;
  author: string;
  repo: string;
  revision: string;
}

const FILE_COLUMNS = 'f.id, f.path, f.size_bytes, f.sha256, f.git_oid, f.is_lfs, f.status, f.bytes_done, f.error, f.linked_from, f.updated_at';

// Tracked "<P>.safetensors.index.json" files whose shard set is not whole: the index names the shards
// "<P>-NNNNN-of-MMMMM.safetensors" (as transformers writes them), so a set is whole when its done shards
// number MMMMM. The index's own text is not read: a set named otherwise is not checked.
const SHORT_SHARD_SETS = `SELECT count(*) FROM model_files i
    CROSS JOIN LATERAL (SELECT left(i.path, length(i.path) - length('.safetensors.index.json')) AS p) x
    CROSS JOIN LATERAL (SELECT count(*) AS done, max(substr(s.path, length(x.p) + 11, 5)::int) AS n
                          FROM model_files s
                         WHERE s.model_id = $1 AND s.status = 'done' AND length(s.path) = length(x.p) + 27
                           AND left(s.path, length(x.p)) = x.p
                           AND substr(s.path, length(x.p) + 1) ~ '^-[0-9]{5}-of-[0-9]{5}[.]safetensors$') sh
   WHERE i.model_id = $1 AND i.path LIKE '%.safetensors.index.json' AND (sh.done = 0 OR sh.done <> sh.n)`;

export const catalogRepository = {
  async listModels(db: Queryable, f: ModelFilter): Promise<ModelRow[]> {
    const r = await db.query<ModelRow>(
      `SELECT m.*,
              coalesce(c.done, 0)::int AS files_done,
              coalesce(c.failed, 0)::int AS files_failed,
              coalesce(c.tracked, 0)::int AS files_tracked,
              coalesce(c.downloading, 0)::int AS files_downloading,
              coalesce(c.bytes_done, 0)::bigint AS bytes_done,
              coalesce(c.bytes_on_disk, 0)::bigint AS bytes_on_disk,
              coalesce(c.bytes_tracked, 0)::bigint AS bytes_tracked
         FROM models m
         LEFT JOIN LATERAL (
           -- counted live from the files, so a running job or a rescan shows at once (models.file_count
           -- is only refreshed when a job ends or a rescan runs)
           SELECT count(*) FILTER (WHERE status = 'done') AS done,
                  count(*) FILTER (WHERE status = 'failed') AS failed,
                  count(*) FILTER (WHERE status = 'downloading') AS downloading,
                  count(*) AS tracked,
                  sum(size_bytes) FILTER (WHERE status = 'done') AS bytes_done,
                  sum(CASE WHEN status = 'done' THEN size_bytes ELSE least(bytes_done, size_bytes) END) AS bytes_on_disk,
                  sum(size_bytes) AS bytes_tracked
             FROM model_files WHERE model_id = m.id) c ON true
        WHERE ($1::text IS NULL OR lower(m.author) = lower($1))
          AND ($2::text IS NULL OR lower(m.repo) = lower($2))
          AND ($3::text IS NULL OR m.revision = $3)
          AND ($4::boolean IS NULL OR m.is_downloaded = $4)
          AND ($5::text IS NULL OR m.storage = $5)
          AND m.staging_of IS NULL
        ORDER BY lower(m.author), lower(m.repo), m.revision, m.storage`,
      [f.author ?? null, f.repo ?? null, f.revision ?? null, f.downloaded ?? null, f.storage ?? null],
    );
    return r.rows;
  },

  async model(db: Queryable, id: string): Promise<(ModelKey & { id: string; commit_sha: string | null; pinned: boolean }) | null> {
    const r = await db.query('SELECT id, storage, author, repo, revision, commit_sha, pinned FROM models WHERE id = $1 AND staging_of IS NULL', [id]);
    return r.rows[0] ?? null;
  },

  /** What the update checker learnt each revision name of a repo is at the Hub (null: not checked yet). */
  async refKinds(db: Queryable, author: string, repo: string): Promise<Map<string, 'branch' | 'tag' | null>> {
    const r = await db.query<{ revision: string; ref_kind: 'branch' | 'tag' | null }>(
      'SELECT revision, ref_kind FROM models WHERE lower(author) = lower($1) AND lower(repo) = lower($2) AND staging_of IS NULL',
      [author, repo],
    );
    return new Map(r.rows.map((row) => [row.revision, row.ref_kind]));
  },

  async upsertModel(db: Queryable, m: ModelKey): Promise<string> {
    const r = await db.query<{ id: string }>(
      `INSERT INTO models (author, repo, revision, storage) VALUES ($1, $2, $3, $4)
       ON CONFLICT (author, repo, revision, storage) WHERE staging_of IS NULL DO UPDATE SET updated_at = now()
       RETURNING id`,
      [m.author, m.repo, m.revision, m.storage],
    );
    return r.rows[0]!.id;
  },

  /** Locks a catalog entry until the transaction ends (library jobs check and queue under it); false: gone. */
  async lockModel(tx: Queryable, id: string): Promise<boolean> {
    const r = await tx.query('SELECT id FROM models WHERE id = $1 FOR UPDATE', [id]);
    return (r.rowCount ?? 0) > 0;
  },

  /** Removes a catalog entry: by cascade its files' rows, its staging entry and its jobs' history (the files on disk are the caller's). */
  async deleteModel(db: Queryable, id: string): Promise<void> {
    await db.query('DELETE FROM models WHERE id = $1', [id]);
  },

  /** Every file of an entry no longer counts as present, with why (a move is about to remove them). */
  async markFilesLeaving(db: Queryable, modelId: string, why: string): Promise<void> {
    await db.query(`UPDATE model_files SET status = 'pending', error = $2, bytes_done = 0, updated_at = now() WHERE model_id = $1`, [modelId, why]);
  },

  // The model counts as downloaded when every file it tracks is done, and every safetensors shard set
  // whose index it tracks is whole; its totals follow its files.
  async refreshModel(db: Queryable, modelId: string, commitSha: string | null): Promise<void> {
    await db.query(
      `UPDATE models m SET
         file_count = s.done, total_size_bytes = s.done_bytes,
         is_downloaded = (s.tracked > 0 AND s.done = s.tracked AND s.short_sets = 0),
         downloaded_at = CASE WHEN s.tracked > 0 AND s.done = s.tracked AND s.short_sets = 0 THEN now() ELSE m.downloaded_at END,
         commit_sha = coalesce($2, m.commit_sha), updated_at = now()
         FROM (SELECT count(*) FILTER (WHERE status = 'done')::int AS done,
                      coalesce(sum(size_bytes) FILTER (WHERE status = 'done'), 0) AS done_bytes,
                      count(*)::int AS tracked,
                      (${SHORT_SHARD_SETS})::int AS short_sets
                 FROM model_files WHERE model_id = $1) s
        WHERE m.id = $1`,
      [modelId, commitSha],
    );
  },

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

  /** The revisions the catalog knows on a root, as "author/repo/revision" (import skips them). */
  async revisionsOn(db: Queryable, storage: string): Promise<Set<string>> {
    const r = await db.query<{ k: string }>(`SELECT author || '/' || repo || '/' || revision AS k FROM models WHERE storage = $1 AND staging_of IS NULL`, [
      storage,
    ]);
    return new Set(r.rows.map((row) => row.k));
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

  /** Per storage root: its revisions' bytes on disk (done files and partial bytes), and the largest ones. */
  async usageByRoot(
    db: Queryable,
    top: number,
  ): Promise<Array<{ storage: string; used: number; models: number; largest: Array<ModelKey & { id: string; bytes_on_disk: number }> }>> {
    const r = await db.query<{ storage: string; used: string; models: number; largest: Array<ModelKey & { id: string; bytes_on_disk: number }> | null }>(
      `WITH per_model AS (
         SELECT m.id, m.storage, m.author, m.repo, m.revision,
                coalesce(sum(CASE WHEN f.status = 'done' THEN f.size_bytes ELSE least(f.bytes_done, f.size_bytes) END), 0)::bigint AS bytes_on_disk
           FROM models m LEFT JOIN model_files f ON f.model_id = m.id
          WHERE m.staging_of IS NULL
          GROUP BY m.id),
       ranked AS (SELECT *, row_number() OVER (PARTITION BY storage ORDER BY bytes_on_disk DESC, id) AS n FROM per_model)
       SELECT storage, sum(bytes_on_disk)::bigint AS used, count(*)::int AS models,
              json_agg(json_build_object('id', id, 'storage', storage, 'author', author, 'repo', repo, 'revision', revision, 'bytes_on_disk', bytes_on_disk)
                       ORDER BY bytes_on_disk DESC, id) FILTER (WHERE n <= $1) AS largest
         FROM ranked GROUP BY storage`,
      [top],
    );
    return r.rows.map((row) => ({ storage: row.storage, used: Number(row.used), models: row.models, largest: row.largest ?? [] }));
  },
};
