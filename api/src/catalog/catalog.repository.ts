// The catalog owns `models` and `model_files`: every query on them lives here and in
// model-files.repository.ts (the file rows), and nowhere else.
import type { Queryable } from '../db/pool.ts';
import { modelFilesRepository, type FileStatus, type ModelFileRow, type TargetFile } from './model-files.repository.ts';

export type { FileStatus, ModelFileRow, TargetFile };

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

const modelsRepository = {
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

  /** The revisions the catalog knows on a root, as "author/repo/revision" (import skips them). */
  async revisionsOn(db: Queryable, storage: string): Promise<Set<string>> {
    const r = await db.query<{ k: string }>(`SELECT author || '/' || repo || '/' || revision AS k FROM models WHERE storage = $1 AND staging_of IS NULL`, [
      storage,
    ]);
    return new Set(r.rows.map((row) => row.k));
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

/** Every query on `models` and `model_files`: the model rows here, the file rows in model-files.repository.ts. */
export const catalogRepository = { ...modelsRepository, ...modelFilesRepository };
