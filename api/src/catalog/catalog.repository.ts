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
  downloaded_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface ModelFileRow {
  id: string;
  path: string;
  size_bytes: number;
  sha256: string | null;
  git_oid: string | null;
  status: 'pending' | 'downloading' | 'done' | 'failed';
  error: string | null;
  updated_at: Date;
}

export interface ModelFilter {
  author?: string;
  repo?: string;
  revision?: string;
  downloaded?: boolean;
}

export const catalogRepository = {
  async listModels(db: Queryable, f: ModelFilter): Promise<ModelRow[]> {
    const r = await db.query<ModelRow>(
      `SELECT m.*,
              coalesce(c.done, 0)::int AS files_done,
              coalesce(c.failed, 0)::int AS files_failed,
              coalesce(c.tracked, 0)::int AS files_tracked
         FROM models m
         LEFT JOIN LATERAL (
           SELECT count(*) FILTER (WHERE status = 'done') AS done,
                  count(*) FILTER (WHERE status = 'failed') AS failed,
                  count(*) AS tracked
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

  async modelExists(db: Queryable, id: string): Promise<boolean> {
    return ((await db.query('SELECT 1 FROM models WHERE id = $1', [id])).rowCount ?? 0) > 0;
  },

  async listFiles(db: Queryable, modelId: string): Promise<ModelFileRow[]> {
    const r = await db.query<ModelFileRow>(
      'SELECT id, path, size_bytes, sha256, git_oid, status, error, updated_at FROM model_files WHERE model_id = $1 ORDER BY path',
      [modelId],
    );
    return r.rows;
  },
};
