// The settings table (db/migrations/0010_admin.sql): every query on it lives here.
import type { Queryable } from '../db/pool.ts';

/** The LISTEN/NOTIFY channel a saved change is announced on. */
export const SETTINGS_CHANNEL = 'd011dl_settings';

export const settingsRepository = {
  async all(db: Queryable): Promise<Map<string, unknown>> {
    const r = await db.query<{ key: string; value: unknown }>('SELECT key, value FROM settings');
    return new Map(r.rows.map((row) => [row.key, row.value]));
  },

  async set(db: Queryable, key: string, value: unknown, userId: string | null): Promise<void> {
    await db.query(
      `INSERT INTO settings (key, value, updated_by) VALUES ($1, $2, $3)
       ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_by = EXCLUDED.updated_by, updated_at = now()`,
      [key, JSON.stringify(value), userId],
    );
  },

  async remove(db: Queryable, key: string): Promise<void> {
    await db.query('DELETE FROM settings WHERE key = $1', [key]);
  },

  /** Tells every API instance on this database to reload (settings-listener.ts); sent at the commit. */
  async notifyChanged(db: Queryable): Promise<void> {
    await db.query(`SELECT pg_notify('${SETTINGS_CHANNEL}', '')`);
  },

  /** Serialises changes, so two administrators saving at once cannot interleave. */
  async lock(db: Queryable): Promise<void> {
    await db.query("SELECT pg_advisory_xact_lock(hashtext('d011dl:settings'))");
  },
};
