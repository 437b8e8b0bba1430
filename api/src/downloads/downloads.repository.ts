// downloads owns `downloads` and `download_files`; the files themselves are the catalog's (catalog.repository.ts).
import type { JobKind } from '@d011dl/contract';
import type { Queryable } from '../db/pool.ts';

export interface DownloadRow {
  id: string;
  user_id: string | null;
  username: string | null;
  model_id: string;
  kind: JobKind;
  source_model_id: string | null;
  storage: string;
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
  /** whose Hugging Face token the last attempt used (db/migrations/0011_hf_tokens.sql) */
  hf_token_owner: 'user' | 'server' | 'none' | null;
  hf_token_user_id: string | null;
  hf_token_hub_user: string | null;
}

const DOWNLOAD_SELECT = `
  SELECT d.*, m.storage, m.author, m.repo, m.revision, u.username
    FROM downloads d
    JOIN models m ON m.id = d.model_id
    LEFT JOIN users u ON u.id = d.user_id`;

export const downloadsRepository = {
  async insertDownload(
    db: Queryable,
    d: {
      userId: string;
      modelId: string;
      selection: unknown;
      force: boolean;
      commitSha: string | null;
      engine: string;
      filesTotal: number;
      bytesTotal: number;
      kind?: JobKind;
      sourceModelId?: string | null;
    },
  ): Promise<string> {
    const r = await db.query<{ id: string }>(
      `INSERT INTO downloads (user_id, model_id, selection, force, commit_sha, engine, files_total, bytes_total, kind, source_model_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
      [
        d.userId,
        d.modelId,
        JSON.stringify(d.selection),
        d.force,
        d.commitSha,
        d.engine,
        d.filesTotal,
        d.bytesTotal,
        d.kind ?? 'download',
        d.sourceModelId ?? null,
      ],
    );
    return r.rows[0]!.id;
  },

  async linkFiles(db: Queryable, downloadId: string, fileIds: string[]): Promise<void> {
    await db.query('INSERT INTO download_files (download_id, model_file_id) SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING', [downloadId, fileIds]);
  },

  async fileIds(db: Queryable, downloadId: string): Promise<string[]> {
    const r = await db.query<{ id: string }>('SELECT model_file_id AS id FROM download_files WHERE download_id = $1', [downloadId]);
    return r.rows.map((row) => row.id);
  },

  async setJobId(db: Queryable, downloadId: string, jobId: string | null): Promise<void> {
    await db.query('UPDATE downloads SET job_id = $2 WHERE id = $1', [downloadId, jobId]);
  },

  async get(db: Queryable, id: string): Promise<DownloadRow | null> {
    const r = await db.query<DownloadRow>(`${DOWNLOAD_SELECT} WHERE d.id = $1`, [id]);
    return r.rows[0] ?? null;
  },

  async list(db: Queryable, userId: string | null, limit: number): Promise<DownloadRow[]> {
    const r = await db.query<DownloadRow>(`${DOWNLOAD_SELECT} WHERE ($1::uuid IS NULL OR d.user_id = $1) ORDER BY d.created_at DESC LIMIT $2`, [userId, limit]);
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

  async writeProgress(
    db: Queryable,
    id: string,
    p: {
      bytesDone: number;
      bytesTotal: number;
      filesDone: number;
      filesFailed: number;
      speedBps: number | null;
      etaS: number | null;
      waiting: DownloadRow['waiting'];
      log: string;
    },
  ): Promise<DownloadRow['status'] | null> {
    const pct = p.bytesTotal > 0 ? Math.min(100, Math.floor((p.bytesDone / p.bytesTotal) * 10000) / 100) : 0;
    const r = await db.query<{ status: DownloadRow['status'] }>(
      `UPDATE downloads SET bytes_done = $2, bytes_total = $3, progress_pct = $4, files_done = $5, files_failed = $6,
              speed_bps = $7, eta_s = $8, log = $9, waiting = $10, updated_at = now()
        WHERE id = $1 RETURNING status`,
      [id, p.bytesDone, p.bytesTotal, pct, p.filesDone, p.filesFailed, p.speedBps, p.etaS, p.log, p.waiting ? JSON.stringify(p.waiting) : null],
    );
    return r.rows[0]?.status ?? null;
  },

  /**
   * The job's end (or its return to the queue). A job someone canceled (paused) stays canceled: a
   * shutdown that interrupts it before it noticed the cancel must not queue it again.
   */
  async finish(db: Queryable, id: string, f: { status: 'succeeded' | 'failed' | 'canceled' | 'queued'; error: string | null }): Promise<void> {
    await db.query(
      `UPDATE downloads SET status = $2, error = $3, speed_bps = NULL, eta_s = NULL, waiting = NULL,
              finished_at = CASE WHEN $2 = 'queued' THEN NULL ELSE now() END,
              progress_pct = CASE WHEN $2 = 'succeeded' THEN 100 ELSE progress_pct END, updated_at = now()
        WHERE id = $1 AND NOT (status = 'canceled' AND $2 = 'queued')`,
      [id, f.status, f.error],
    );
  },

  /** An import learns its commit and files only once it runs. */
  async setTarget(db: Queryable, id: string, t: { commitSha: string; filesTotal: number; bytesTotal: number }): Promise<void> {
    await db.query('UPDATE downloads SET commit_sha = $2, files_total = $3, bytes_total = $4, updated_at = now() WHERE id = $1', [
      id,
      t.commitSha,
      t.filesTotal,
      t.bytesTotal,
    ]);
  },

  async setLog(db: Queryable, id: string, log: string): Promise<void> {
    await db.query('UPDATE downloads SET log = $2 WHERE id = $1', [id, log]);
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

  // Bytes that running or queued jobs other than `exceptId` still have to write on a root: they will need
  // that space. An import writes nothing.
  async bytesStillNeeded(db: Queryable, storage: string, exceptId: string | null): Promise<number> {
    const r = await db.query<{ n: number }>(
      `SELECT coalesce(sum(greatest(d.bytes_total - d.bytes_done, 0)), 0) AS n FROM downloads d JOIN models m ON m.id = d.model_id
        WHERE d.status IN ('queued', 'running') AND d.kind <> 'import' AND m.storage = $1 AND ($2::uuid IS NULL OR d.id <> $2)`,
      [storage, exceptId],
    );
    return Number(r.rows[0]?.n ?? 0);
  },

  /** The jobs of one catalog entry become another's (a move: the revision's history follows its files). */
  async moveHistory(db: Queryable, fromModelId: string, toModelId: string): Promise<void> {
    await db.query('UPDATE downloads SET model_id = $2 WHERE model_id = $1', [fromModelId, toModelId]);
  },

  /** Jobs queued or running that read or write a catalog entry (as its target or its source). */
  async activeJobsOn(db: Queryable, modelId: string): Promise<Array<{ id: string; kind: JobKind; status: string }>> {
    const r = await db.query<{ id: string; kind: JobKind; status: string }>(
      `SELECT id, kind, status FROM downloads WHERE status IN ('queued', 'running') AND (model_id = $1 OR source_model_id = $1)`,
      [modelId],
    );
    return r.rows;
  },

  /** A job now about another catalog entry (an update's staging entry applied): its row and file links follow. */
  async moveToModel(db: Queryable, downloadId: string, modelId: string, fileIds: string[]): Promise<void> {
    await db.query('UPDATE downloads SET model_id = $2, updated_at = now() WHERE id = $1', [downloadId, modelId]);
    await db.query('DELETE FROM download_files WHERE download_id = $1', [downloadId]);
    await this.linkFiles(db, downloadId, fileIds);
  },
};
