// The access_tokens table (db/migrations/0007_access_tokens.sql): every query on it lives here.
import type { Queryable } from '../db/pool.ts';

export interface AccessTokenRow {
  id: string;
  user_id: string;
  name: string;
  scope: 'mirror:read' | 'api';
  hint: string;
  created_at: Date;
  last_used_at: Date | null;
}

/** A live token's owner, as the database says now. */
export interface TokenOwnerRow {
  token_id: string;
  scope: 'mirror:read' | 'api';
  user_id: string;
  username: string;
  is_admin: boolean;
  disabled: boolean;
  last_used_at: Date | null;
}

const COLUMNS = 'id, user_id, name, scope, hint, created_at, last_used_at';

export const accessTokensRepository = {
  async insert(db: Queryable, t: { userId: string; name: string; scope: string; tokenHash: string; hint: string }): Promise<AccessTokenRow> {
    const r = await db.query<AccessTokenRow>(
      `INSERT INTO access_tokens (user_id, name, scope, token_hash, hint) VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
      [t.userId, t.name, t.scope, t.tokenHash, t.hint],
    );
    return r.rows[0]!;
  },

  async listForUser(db: Queryable, userId: string): Promise<AccessTokenRow[]> {
    const r = await db.query<AccessTokenRow>(`SELECT ${COLUMNS} FROM access_tokens WHERE user_id = $1 AND revoked_at IS NULL ORDER BY created_at DESC, id`, [
      userId,
    ]);
    return r.rows;
  },

  /** The revoked token's name and scope; null when there was no such live token of this user. */
  async revoke(db: Queryable, userId: string, id: string): Promise<{ name: string; scope: string } | null> {
    const r = await db.query<{ name: string; scope: string }>(
      'UPDATE access_tokens SET revoked_at = now() WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL RETURNING name, scope',
      [id, userId],
    );
    return r.rows[0] ?? null;
  },

  async findOwner(db: Queryable, tokenHash: string): Promise<TokenOwnerRow | null> {
    const r = await db.query<TokenOwnerRow>(
      `SELECT t.id AS token_id, t.scope, t.last_used_at, u.id AS user_id, u.username, u.is_admin, u.disabled_at IS NOT NULL AS disabled
         FROM access_tokens t JOIN users u ON u.id = t.user_id
        WHERE t.token_hash = $1 AND t.revoked_at IS NULL`,
      [tokenHash],
    );
    return r.rows[0] ?? null;
  },

  async touch(db: Queryable, id: string): Promise<void> {
    await db.query('UPDATE access_tokens SET last_used_at = now() WHERE id = $1', [id]);
  },
};
