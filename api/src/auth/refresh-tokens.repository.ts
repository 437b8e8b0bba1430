import type { Queryable } from '../db/pool.ts';

export interface RefreshTokenRow {
  id: string;
  user_id: string;
  token_hash: string;
  expires_at: Date;
  revoked_at: Date | null;
}

export const refreshTokensRepository = {
  async insert(db: Queryable, t: { userId: string; tokenHash: string; ttlDays: number }): Promise<string> {
    const r = await db.query<{ id: string }>(
      `INSERT INTO refresh_tokens (user_id, token_hash, expires_at)
       VALUES ($1, $2, now() + make_interval(days => $3)) RETURNING id`,
      [t.userId, t.tokenHash, t.ttlDays],
    );
    return r.rows[0]!.id;
  },

  async findForUpdate(db: Queryable, tokenHash: string): Promise<RefreshTokenRow | null> {
    const r = await db.query<RefreshTokenRow>('SELECT * FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE', [tokenHash]);
    return r.rows[0] ?? null;
  },

  async revoke(db: Queryable, id: string, replacedBy: string | null): Promise<void> {
    await db.query('UPDATE refresh_tokens SET revoked_at = now(), replaced_by = $2 WHERE id = $1 AND revoked_at IS NULL', [id, replacedBy]);
  },

  async revokeAllForUser(db: Queryable, userId: string): Promise<void> {
    await db.query('UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL', [userId]);
  },

  async deleteExpired(db: Queryable): Promise<void> {
    await db.query("DELETE FROM refresh_tokens WHERE expires_at < now() - interval '1 day'");
  },
};
