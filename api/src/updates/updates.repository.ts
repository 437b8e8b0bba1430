// The update-check columns of models (db/migrations/0008_updates.sql): every write to them lives here.
// The catalog reads them with the rest of a model (its SELECT m.*).
import { type Db, type Queryable, withTransaction } from '../db/pool.ts';

export interface UpdateRow {
  id: string;
  author: string;
  repo: string;
  revision: string;
  commit_sha: string | null;
  pinned: boolean;
  hub_commit_sha: string | null;
  update_checked_at: Date | null;
  update_check_error: string | null;
  ref_kind: 'branch' | 'tag' | null;
}

const COLUMNS = 'id, author, repo, revision, commit_sha, pinned, hub_commit_sha, update_checked_at, update_check_error, ref_kind';
// Revisions that cannot move whatever the Hub says: a full commit id, or a pull-request ref (whose
// "updates" are someone's proposal, not the author's). Tags are told apart only by the Hub's refs.
const MAY_BE_BRANCH = "revision !~ '^[0-9a-f]{40}$' AND revision NOT LIKE 'refs/%'";
// one key for every instance sharing the database: only one hands out due checks at a time
const CLAIM_LOCK = "hashtext('d011dl:update-check')";

export const updatesRepository = {
  async get(db: Queryable, id: string): Promise<UpdateRow | null> {
    const r = await db.query<UpdateRow>(`SELECT ${COLUMNS} FROM models WHERE id = $1`, [id]);
    return r.rows[0] ?? null;
  },

  /**
   * Takes the revisions due for a check (downloaded, not pinned, maybe a branch, not asked for
   * `intervalH` hours) and stamps them as asked now, so that another instance (or the next tick)
   * leaves them alone. Empty when another instance is handing out checks at this moment.
   */
  async claimDue(db: Db, intervalH: number, limit: number): Promise<UpdateRow[]> {
    return withTransaction(db, async (tx) => {
      const lock = await tx.query<{ ok: boolean }>(`SELECT pg_try_advisory_xact_lock(${CLAIM_LOCK}) AS ok`);
      if (!lock.rows[0]!.ok) return [];
      const r = await tx.query<UpdateRow>(
        `UPDATE models SET update_checked_at = now()
          WHERE id IN (SELECT id FROM models
                        WHERE NOT pinned AND commit_sha IS NOT NULL AND ${MAY_BE_BRANCH} AND ref_kind IS DISTINCT FROM 'tag'
                          AND (update_checked_at IS NULL OR update_checked_at < now() - make_interval(secs => $1::float8 * 3600))
                        ORDER BY update_checked_at NULLS FIRST LIMIT $2)
          RETURNING ${COLUMNS}`,
        [intervalH, limit],
      );
      return r.rows;
    });
  },

  /** What the last check found: the branch's commit at the Hub, or why it could not tell. Returns the commit recorded before. */
  async recordBranch(db: Queryable, id: string, hubCommitSha: string | null, error: string | null): Promise<string | null> {
    const r = await db.query<{ previous: string | null }>(
      `UPDATE models m SET hub_commit_sha = $2, update_check_error = $3, update_checked_at = now(),
              ref_kind = CASE WHEN $3::text IS NULL THEN 'branch' ELSE m.ref_kind END
         FROM (SELECT hub_commit_sha FROM models WHERE id = $1 FOR UPDATE) old
        WHERE m.id = $1 RETURNING old.hub_commit_sha AS previous`,
      [id, hubCommitSha, error],
    );
    return r.rows[0]?.previous ?? null;
  },

  /** The revision is a tag: never checked again, nothing to show. */
  async recordTag(db: Queryable, id: string): Promise<void> {
    await db.query("UPDATE models SET ref_kind = 'tag', hub_commit_sha = NULL, update_check_error = NULL, update_checked_at = NULL WHERE id = $1", [id]);
  },

  async setPinned(db: Queryable, id: string, pinned: boolean): Promise<UpdateRow | null> {
    const r = await db.query<UpdateRow>(`UPDATE models SET pinned = $2 WHERE id = $1 RETURNING ${COLUMNS}`, [id, pinned]);
    return r.rows[0] ?? null;
  },
};
