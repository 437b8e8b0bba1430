import type { DbClient, Queryable } from '../db/pool.ts';

export const rescanGuardRepository = {
  async hasDownloaded(db: Queryable, userId: string, modelId: string): Promise<boolean> {
    const r = await db.query('SELECT 1 FROM downloads WHERE user_id = $1 AND model_id = $2 LIMIT 1', [userId, modelId]);
    return (r.rowCount ?? 0) > 0;
  },

  // Session-level advisory locks: shared by every API instance on the database, and gone with a
  // crashed instance's connection.
  async tryLockHashRescan(client: DbClient, modelId: string): Promise<boolean> {
    const r = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock(hashtextextended('d011dl:rescan:' || $1, 0)) AS ok", [modelId]);
    return r.rows[0]?.ok ?? false;
  },

  async unlockHashRescan(client: DbClient, modelId: string): Promise<void> {
    await client.query("SELECT pg_advisory_unlock(hashtextextended('d011dl:rescan:' || $1, 0))", [modelId]);
  },
};
