import type { Queryable } from '../db/pool.ts';

export interface UserRow {
  id: string;
  username: string;
  password_hash: string;
  is_admin: boolean;
  created_at: Date;
  last_login_at: Date | null;
  disabled_at: Date | null;
}

/** What an authenticated request may do, read from the database on every request. */
export interface PrincipalRow {
  id: string;
  username: string;
  is_admin: boolean;
  disabled: boolean;
  session_live: boolean;
}

export const usersRepository = {
  async countUsers(db: Queryable): Promise<number> {
    const r = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM users');
    return r.rows[0]?.n ?? 0;
  },

  async findByUsername(db: Queryable, username: string): Promise<UserRow | null> {
    const r = await db.query<UserRow>('SELECT * FROM users WHERE lower(username) = lower($1)', [username]);
    return r.rows[0] ?? null;
  },

  async findById(db: Queryable, id: string): Promise<UserRow | null> {
    const r = await db.query<UserRow>('SELECT * FROM users WHERE id = $1', [id]);
    return r.rows[0] ?? null;
  },

  // null when the username is taken (case-insensitively)
  async insert(db: Queryable, u: { username: string; passwordHash: string; isAdmin: boolean }): Promise<UserRow | null> {
    const r = await db.query<UserRow>(
      `INSERT INTO users (username, password_hash, is_admin) VALUES ($1, $2, $3)
       ON CONFLICT DO NOTHING RETURNING *`,
      [u.username, u.passwordHash, u.isAdmin],
    );
    return r.rows[0] ?? null;
  },

  async touchLastLogin(db: Queryable, id: string): Promise<UserRow> {
    const r = await db.query<UserRow>('UPDATE users SET last_login_at = now() WHERE id = $1 RETURNING *', [id]);
    return r.rows[0]!;
  },

  async list(db: Queryable): Promise<UserRow[]> {
    const r = await db.query<UserRow>('SELECT * FROM users ORDER BY lower(username)');
    return r.rows;
  },

  async exists(db: Queryable, username: string): Promise<boolean> {
    const r = await db.query('SELECT 1 FROM users WHERE lower(username) = lower($1)', [username]);
    return (r.rowCount ?? 0) > 0;
  },

  // null when there is no such user
  async update(
    db: Queryable,
    id: string,
    u: { disabled?: boolean | undefined; isAdmin?: boolean | undefined; passwordHash?: string | undefined },
  ): Promise<UserRow | null> {
    const r = await db.query<UserRow>(
      `UPDATE users SET
         disabled_at = CASE WHEN $2::boolean IS NULL THEN disabled_at WHEN $2 THEN coalesce(disabled_at, now()) ELSE NULL END,
         is_admin = coalesce($3::boolean, is_admin),
         password_hash = coalesce($4::text, password_hash)
       WHERE id = $1 RETURNING *`,
      [id, u.disabled ?? null, u.isAdmin ?? null, u.passwordHash ?? null],
    );
    return r.rows[0] ?? null;
  },

  /** Deletes the account (sessions and access tokens cascade); returns how many downloads it leaves ownerless. */
  async delete(db: Queryable, id: string): Promise<number> {
    const jobs = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM downloads WHERE user_id = $1', [id]);
    await db.query('DELETE FROM users WHERE id = $1', [id]);
    return jobs.rows[0]?.n ?? 0;
  },

  async countEnabledAdmins(db: Queryable): Promise<number> {
    const r = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM users WHERE is_admin AND disabled_at IS NULL');
    return r.rows[0]?.n ?? 0;
  },

  // One indexed lookup per authenticated request: the account as it is now, and whether the sign-in
  // session the token came from still has a live refresh token (signed out, revoked or replayed: not).
  async principal(db: Queryable, userId: string, sessionId: string): Promise<PrincipalRow | null> {
    const r = await db.query<PrincipalRow>(
      `SELECT u.id, u.username, u.is_admin, u.disabled_at IS NOT NULL AS disabled,
              EXISTS (SELECT 1 FROM refresh_tokens t
                      WHERE t.session_id = $2 AND t.user_id = u.id AND t.revoked_at IS NULL AND t.expires_at > now()) AS session_live
       FROM users u WHERE u.id = $1`,
      [userId, sessionId],
    );
    return r.rows[0] ?? null;
  },

  // Serialises "is this the first user?" decisions across concurrent registrations and instances.
  async lockRegistration(db: Queryable): Promise<void> {
    await db.query("SELECT pg_advisory_xact_lock(hashtext('d011dl:register'))");
  },
};
