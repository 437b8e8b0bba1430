import type { Queryable } from '../db/pool.ts';

export interface StorageRecord {
  storage_id: string;
  separate_mount: boolean;
}

export const storageRepository = {
  async get(db: Queryable, rootName: string): Promise<StorageRecord | null> {
    const r = await db.query<StorageRecord>('SELECT storage_id, separate_mount FROM storage WHERE root_name = $1', [rootName]);
    return r.rows[0] ?? null;
  },

  /** Records the storage unless another instance did first; answers what is recorded. */
  async record(db: Queryable, rootName: string, rec: StorageRecord): Promise<StorageRecord> {
    await db.query('INSERT INTO storage (root_name, storage_id, separate_mount) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
      rootName,
      rec.storage_id,
      rec.separate_mount,
    ]);
    return (await this.get(db, rootName))!;
  },
};
