// The catalog owns `models` and `model_files`: every query on them lives here, and nowhere else.
import type { Queryable } from '../db/pool.ts';

export interface ModelRow {
  id: string;
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
}

export interface ModelKey {
  author: string;
  repo: string;
  revision: string;
}

const FILE_COLUMNS = 'f.id, f.path, f.size_bytes, f.sha256, f.git_oid, f.is_lfs, f.status, f.bytes_done, f.error, f.updated_at';

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
        ORDER BY lower(m.author), lower(m.repo), m.revision`,
      [f.author ?? null, f.repo ?? null, f.revision ?? null, f.downloaded ?? null],
    );
    return r.rows;
  },

  async model(db: Queryable, id: string): Promise<(ModelKey & { id: string; commit_sha: string | null }) | null> {
    const r = await db.query('SELECT id, author, repo, revision, commit_sha FROM models WHERE id = $1', [id]);
    return r.rows[0] ?? null;
  },

  async upsertModel(db: Queryable, m: ModelKey): Promise<string> {
    const r = await db.query<{ id: string }>(
      `INSERT INTO models (author, repo, revision) VALUES ($1, $2, $3)
       ON CONFLICT (author, repo, revision) DO UPDATE SET updated_at = now()
       RETURNING id`,
      [m.author, m.repo, m.revision],
    );
    return r.rows[0]!.id;
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

  async doneFiles(db: Queryable, m: ModelKey): Promise<Map<string, { size: number; gitOid: string | null }>> {
    const r = await db.query<{ path: string; size_bytes: number; git_oid: string | null }>(
      `SELECT f.path, f.size_bytes, f.git_oid FROM model_files f JOIN models m ON m.id = f.model_id
        WHERE m.author = $1 AND m.repo = $2 AND m.revision = $3 AND f.status = 'done'`,
      [m.author, m.repo, m.revision],
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
      `UPDATE model_files SET status = $2, error = $3, sha256 = coalesce($4, sha256), bytes_done = coalesce($5, bytes_done),
              downloaded_at = CASE WHEN $2 = 'done' THEN now() ELSE downloaded_at END, updated_at = now()
        WHERE id = $1`,
      [fileId, s.status, s.error ?? null, s.sha256 ?? null, s.bytesDone ?? null],
    );
  },

  async setFilesBytes(db: Queryable, rows: Array<{ id: string; bytes: number }>): Promise<void> {
    if (!rows.length) return;
    await db.query(
      `UPDATE model_files f SET bytes_done = v.bytes, updated_at = now()
         FROM unnest($1::uuid[], $2::bigint[]) AS v(id, bytes) WHERE f.id = v.id`,
      [rows.map((r) => r.id), rows.map((r) => r.bytes)],
    );
  },

  async resetFailedFiles(db: Queryable, fileIds: string[]): Promise<number> {
    const r = await db.query(`UPDATE model_files SET status = 'pending', error = NULL, updated_at = now() WHERE id = ANY($1::uuid[]) AND status = 'failed'`, [
      fileIds,
    ]);
    return r.rowCount ?? 0;
  },
};
