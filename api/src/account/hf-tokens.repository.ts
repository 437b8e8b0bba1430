// The user_hf_tokens table and the downloads' hf_token_* columns (db/migrations/0011_hf_tokens.sql).
import type { Queryable } from '../db/pool.ts';
import type { SealedToken } from './token-cipher.ts';

export interface HfTokenRow extends SealedToken {
  userId: string;
  username: string;
  hubUser: string;
  setAt: Date;
}

interface Raw {
  user_id: string;
  username: string;
  ciphertext: Buffer;
  iv: Buffer;
  auth_tag: Buffer;
  key_version: number;
  key_id: string;
  hub_user: string;
  set_at: Date;
}

const toRow = (r: Raw): HfTokenRow => ({
  userId: r.user_id,
  username: r.username,
  ciphertext: r.ciphertext,
  iv: r.iv,
  authTag: r.auth_tag,
  keyVersion: r.key_version,
  keyId: r.key_id,
  hubUser: r.hub_user,
  setAt: r.set_at,
});

export const hfTokensRepository = {
  async upsert(db: Queryable, userId: string, sealed: SealedToken, hubUser: string): Promise<Date> {
    const r = await db.query<{ set_at: Date }>(
      `INSERT INTO user_hf_tokens (user_id, ciphertext, iv, auth_tag, key_version, key_id, hub_user, set_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, now())
       ON CONFLICT (user_id) DO UPDATE SET ciphertext = $2, iv = $3, auth_tag = $4, key_version = $5, key_id = $6, hub_user = $7, set_at = now()
       RETURNING set_at`,
      [userId, sealed.ciphertext, sealed.iv, sealed.authTag, sealed.keyVersion, sealed.keyId, hubUser],
    );
    return r.rows[0]!.set_at;
  },

  async get(db: Queryable, userId: string): Promise<HfTokenRow | null> {
    const r = await db.query<Raw>('SELECT t.*, u.username FROM user_hf_tokens t JOIN users u ON u.id = t.user_id WHERE t.user_id = $1', [userId]);
    return r.rows[0] ? toRow(r.rows[0]) : null;
  },

  async remove(db: Queryable, userId: string): Promise<boolean> {
    const r = await db.query('DELETE FROM user_hf_tokens WHERE user_id = $1', [userId]);
    return (r.rowCount ?? 0) > 0;
  },

  async username(db: Queryable, userId: string): Promise<string | null> {
    const r = await db.query<{ username: string }>('SELECT username FROM users WHERE id = $1', [userId]);
    return r.rows[0]?.username ?? null;
  },

  /** Whose token a job's attempt uses (shown on the job). */
  async recordJobToken(db: Queryable, downloadId: string, use: { owner: string; userId: string | null; hubUser: string | null }): Promise<void> {
    await db.query('UPDATE downloads SET hf_token_owner = $2, hf_token_user_id = $3, hf_token_hub_user = $4 WHERE id = $1', [
      downloadId,
      use.owner,
      use.userId,
      use.hubUser,
    ]);
  },
};
