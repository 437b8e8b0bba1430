import type { Queryable } from '../db/pool.ts';

export interface TargetFile {
  path: string;
  size: number;
  sha256: string | null;
  gitOid: string;
  isLfs: boolean;
}

export interface DownloadRow {
  id: string;
  user_id: string | null;
  username: string | null;
  model_id: string;
  author: string;
  repo: string;
  revision: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed' | 'canceled';
  commit_sha: string | null;
  force: boolean;
  engine: 'node' | 'hf';
  progress_pct: number;
  bytes_done: number;
  bytes_total: number;
  files_done: number;
  files_failed: number;
  files_total: number;
  speed_bps: number | null;
  eta_s: number | null;
  waiting: { message: string; retry_at: string; attempt: number } | null;
  error: string | null;
  log: string;
  job_id: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  updated_at: Date;
}

export interface JobFileRow {
  id: string;
  path: string;
  size_bytes: number;
  sha256: string | null;
  git_oid: string | null;
  is_lfs: boolean;
  status: 'pending' | 'downloading' | 'done' | 'failed';
  bytes_done: number;
  error: string | null;
}

const DOWNLOAD_SELECT = `
  SELECT d.*, m.author, m.repo, m.revision, u.username
    FROM downloads d
    JOIN models m ON m.id = d.model_id
    LEFT JOIN users u ON u.id = d.user_id`;

export const downloadsRepository = {
  async upsertModel(db: Queryable, m: { author: string; repo: string; revision: string }): Promise<string> {
    const r = await db.query<{ id: string }>(
      `INSERT INTO models (author, repo, revision) VALUES ($1, $2, $3)
       ON CONFLICT (author, repo, revision) DO UPDATE SET updated_at = now()
       RETURNING id`,
      [m.author, m.repo, m.revision],
    );
    return r.rows[0]!.id;
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

  async doneFiles(db: Queryable, author: string, repo: string, revision: string): Promise<Map<string, { size: number; gitOid: string | null }>> {
    const r = await db.query<{ path: string; size_bytes: number; git_oid: string | null }>(
      `SELECT f.path, f.size_bytes, f.git_oid FROM model_files f JOIN models m ON m.id = f.model_id
        WHERE m.author = $1 AND m.repo = $2 AND m.revision = $3 AND f.status = 'done'`,
      [author, repo, revision],
    );
    return new Map(r.rows.map((row) => [row.path, { size: row.size_bytes, gitOid: row.git_oid }]));
  },

  async insertDownload(db: Queryable, d: { userId: string; modelId: string; selection: unknown; force: boolean; commitSha: string; engine: string; filesTotal: number; bytesTotal: number }): Promise<string> {
    const r = await db.query<{ id: string }>(
      `INSERT INTO downloads (user_id, model_id, selection, force, commit_sha, engine, files_total, bytes_total)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
      [d.userId, d.modelId, JSON.stringify(d.selection), d.force, d.commitSha, d.engine, d.filesTotal, d.bytesTotal],
    );
    return r.rows[0]!.id;
  },

  async linkFiles(db: Queryable, downloadId: string, fileIds: string[]): Promise<void> {
    await db.query('INSERT INTO download_files (download_id, model_file_id) SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING', [downloadId, fileIds]);
  },

  async setJobId(db: Queryable, downloadId: string, jobId: string | null): Promise<void> {
    await db.query('UPDATE downloads SET job_id = $2 WHERE id = $1', [downloadId, jobId]);
  },

  async get(db: Queryable, id: string): Promise<DownloadRow | null> {
    const r = await db.query<DownloadRow>(`${DOWNLOAD_SELECT} WHERE d.id = $1`, [id]);
    return r.rows[0] ?? null;
  },

  async list(db: Queryable, userId: string | null, limit: number): Promise<DownloadRow[]> {
    const r = await db.query<DownloadRow>(
      `${DOWNLOAD_SELECT} WHERE ($1::uuid IS NULL OR d.user_id = $1) ORDER BY d.created_at DESC LIMIT $2`,
      [userId, limit],
    );
    return r.rows;
  },

  async files(db: Queryable, downloadId: string): Promise<JobFileRow[]> {
    const r = await db.query<JobFileRow>(
      `SELECT f.id, f.path, f.size_bytes, f.sha256, f.git_oid, f.is_lfs, f.status, f.bytes_done, f.error
         FROM download_files df JOIN model_files f ON f.id = df.model_file_id
        WHERE df.download_id = $1 ORDER BY f.path`,
      [downloadId],
    );
    return r.rows;
  },

  // Returns the status after the update, so a job learns about a cancel on its next progress write.
  async markRunning(db: Queryable, id: string): Promise<DownloadRow['status'] | null> {
    const r = await db.query<{ status: DownloadRow['status'] }>(
      `UPDATE downloads SET status = CASE WHEN status = 'canceled' THEN status ELSE 'running' END,
              started_at = coalesce(started_at, now()), finished_at = NULL, error = CASE WHEN status = 'canceled' THEN error ELSE NULL END,
              updated_at = now()
        WHERE id = $1 RETURNING status`,
      [id],
    );
    return r.rows[0]?.status ?? null;
  },

  async writeProgress(db: Queryable, id: string, p: { bytesDone: number; bytesTotal: number; filesDone: number; filesFailed: number; speedBps: number | null; etaS: number | null; waiting: DownloadRow['waiting']; log: string }): Promise<DownloadRow['status'] | null> {
    const pct = p.bytesTotal > 0 ? Math.min(100, Math.floor((p.bytesDone / p.bytesTotal) * 10000) / 100) : 0;
    const r = await db.query<{ status: DownloadRow['status'] }>(
      `UPDATE downloads SET bytes_done = $2, bytes_total = $3, progress_pct = $4, files_done = $5, files_failed = $6,
              speed_bps = $7, eta_s = $8, log = $9, waiting = $10, updated_at = now()
        WHERE id = $1 RETURNING status`,
      [id, p.bytesDone, p.bytesTotal, pct, p.filesDone, p.filesFailed, p.speedBps, p.etaS, p.log, p.waiting ? JSON.stringify(p.waiting) : null],
    );
    return r.rows[0]?.status ?? null;
  },

  async finish(db: Queryable, id: string, f: { status: 'succeeded' | 'failed' | 'canceled' | 'queued'; error: string | null }): Promise<void> {
    await db.query(
      `UPDATE downloads SET status = $2, error = $3, speed_bps = NULL, eta_s = NULL, waiting = NULL,
              finished_at = CASE WHEN $2 = 'queued' THEN NULL ELSE now() END,
              progress_pct = CASE WHEN $2 = 'succeeded' THEN 100 ELSE progress_pct END, updated_at = now()
        WHERE id = $1`,
      [id, f.status, f.error],
    );
  },

  async setLog(db: Queryable, id: string, log: string): Promise<void> {
    await db.query('UPDATE downloads SET log = $2 WHERE id = $1', [id, log]);
  },

  async setFileStatus(db: Queryable, fileId: string, s: { status: JobFileRow['status']; error?: string | null; sha256?: string | null; bytesDone?: number }): Promise<void> {
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

  // The model counts as downloaded when every file it tracks is done; its totals follow its files.
  async refreshModel(db: Queryable, modelId: string, commitSha: string | null): Promise<void> {
    await db.query(
      `UPDATE models m SET
         file_count = s.done, total_size_bytes = s.done_bytes,
         is_downloaded = (s.tracked > 0 AND s.done = s.tracked),
         downloaded_at = CASE WHEN s.tracked > 0 AND s.done = s.tracked THEN now() ELSE m.downloaded_at END,
         commit_sha = coalesce($2, m.commit_sha), updated_at = now()
         FROM (SELECT count(*) FILTER (WHERE status = 'done')::int AS done,
                      coalesce(sum(size_bytes) FILTER (WHERE status = 'done'), 0) AS done_bytes,
                      count(*)::int AS tracked
                 FROM model_files WHERE model_id = $1) s
        WHERE m.id = $1`,
      [modelId, commitSha],
    );
  },

  async resetFailedFiles(db: Queryable, downloadId: string): Promise<number> {
    const r = await db.query(
      `UPDATE model_files f SET status = 'pending', error = NULL, updated_at = now()
         FROM download_files df WHERE df.download_id = $1 AND df.model_file_id = f.id AND f.status = 'failed'`,
      [downloadId],
    );
    return r.rowCount ?? 0;
  },

  async requeue(db: Queryable, id: string): Promise<void> {
    await db.query(
      `UPDATE downloads SET status = 'queued', error = NULL, finished_at = NULL, speed_bps = NULL, eta_s = NULL, updated_at = now() WHERE id = $1`,
      [id],
    );
  },

  async cancel(db: Queryable, id: string): Promise<DownloadRow['status'] | null> {
    const r = await db.query<{ status: DownloadRow['status'] }>(
      `UPDATE downloads SET status = 'canceled', finished_at = now(), speed_bps = NULL, eta_s = NULL, waiting = NULL, updated_at = now()
        WHERE id = $1 AND status IN ('queued', 'running') RETURNING status`,
      [id],
    );
    return r.rows[0]?.status ?? null;
  },

  // Bytes that running or queued jobs other than `exceptId` still have to write: they will need that space.
  async bytesStillNeeded(db: Queryable, exceptId: string | null): Promise<number> {
    const r = await db.query<{ n: number }>(
      `SELECT coalesce(sum(greatest(bytes_total - bytes_done, 0)), 0) AS n FROM downloads
        WHERE status IN ('queued', 'running') AND ($1::uuid IS NULL OR id <> $1)`,
      [exceptId],
    );
    return Number(r.rows[0]?.n ?? 0);
  },

  async modelFiles(db: Queryable, modelId: string): Promise<JobFileRow[]> {
    const r = await db.query<JobFileRow>(
      'SELECT id, path, size_bytes, sha256, git_oid, is_lfs, status, bytes_done, error FROM model_files WHERE model_id = $1 ORDER BY path',
      [modelId],
    );
    return r.rows;
  },

  async model(db: Queryable, id: string): Promise<{ id: string; author: string; repo: string; revision: string; commit_sha: string | null } | null> {
    const r = await db.query('SELECT id, author, repo, revision, commit_sha FROM models WHERE id = $1', [id]);
    return r.rows[0] ?? null;
  },
};
