import type { Queryable } from '../db/pool.ts';

export interface RefreshTokenRow {
  id: string;
  user_id: string;
  session_id: string;
  token_hash: string;
  expires_at: Date;
  revoked_at: Date | null;
}

export const refreshTokensRepository = {
  // A new sign-in starts a session (sessionId omitted); a refresh continues the one it came from.
  async insert(
    db: Queryable,
    t: { userId: string; tokenHash: string; ttlDays: number; sessionId?: string | undefined },
  ): Promise<{ id: string; session_id: string }> {
    const r = await db.query<{ id: string; session_id: string }>(
      `INSERT INTO refresh_tokens (user_id, token_hash, expires_at, session_id)
       VALUES ($1, $2, now() + make_interval(days => $3), coalesce($4::uuid, gen_random_uuid())) RETURNING id, session_id`,
      [t.userId, t.tokenHash, t.ttlDays, t.sessionId ?? null],
    );
    return r.rows[0]!;
  },

  async findForUpdate(db: Queryable, tokenHash: string): Promise<RefreshTokenRow | null> {
    const r = await db.query<RefreshTokenRow>('SELECT * FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE', [tokenHash]);
    return r.rows[0] ?? null;
  },

  async revoke(db: Queryable, id: string, replacedBy: string | null): Promise<void> {
    await db.query('UPDATE refresh_tokens SET revoked_at = now(), replaced_by = $2 WHERE id = $1 AND revoked_at IS NULL', [id, replacedBy]);
  },

  async revokeSession(db: Queryable, sessionId: string): Promise<void> {
    await db.query('UPDATE refresh_tokens SET revoked_at = now() WHERE session_id = $1 AND revoked_at IS NULL', [sessionId]);
  },

  async revokeAllForUser(db: Queryable, userId: string): Promise<void> {
    await db.query('UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL', [userId]);
  },

  /** Ends every session of the user but one (a password change keeps the session that made it); how many ended. */
  async revokeOtherSessions(db: Queryable, userId: string, keepSessionId: string): Promise<number> {
    const r = await db.query<{ n: number }>(
      `WITH ended AS (UPDATE refresh_tokens SET revoked_at = now()
                      WHERE user_id = $1 AND session_id <> $2 AND revoked_at IS NULL RETURNING session_id)
       SELECT count(DISTINCT session_id)::int AS n FROM ended`,
      [userId, keepSessionId],
    );
    return r.rows[0]?.n ?? 0;
  },

  async deleteExpired(db: Queryable): Promise<void> {
    await db.query("DELETE FROM refresh_tokens WHERE expires_at < now() - interval '1 day'");
  },
};
