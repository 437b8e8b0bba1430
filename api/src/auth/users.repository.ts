import type { Queryable } from '../db/pool.ts';

export interface UserRow {
  id: string;
  username: string;
  password_hash: string;
  is_admin: boolean;
  created_at: Date;
  last_login_at: Date | null;
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

  // Serialises "is this the first user?" decisions across concurrent registrations and instances.
  async lockRegistration(db: Queryable): Promise<void> {
    await db.query("SELECT pg_advisory_xact_lock(hashtext('d011dl:register'))");
  },
};
