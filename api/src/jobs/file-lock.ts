import type { Db, DbClient } from '../db/pool.ts';

/**
 * Per-file locks shared by every API instance on the database: PostgreSQL advisory locks keyed by the
 * file's final path, held on one session per job. A crashed instance's locks vanish with its session.
 */
export class FileLocks {
  #client: DbClient | null = null;
  // one session, many files in flight: its queries go one after another
  #queue: Promise<unknown> = Promise.resolve();
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async #session(): Promise<DbClient> {
    this.#client ??= await this.#db.connect();
    return this.#client;
  }

  #query(sql: string, key: string): Promise<boolean> {
    const next = this.#queue.then(async () => {
      const r = await (await this.#session()).query<{ ok: boolean }>(sql, [key]);
      return r.rows[0]?.ok ?? false;
    });
    this.#queue = next.catch(() => {});
    return next;
  }

  /** Waits until the file is ours; `isCanceled` lets a canceled job stop waiting. */
  async acquire(key: string, isCanceled: () => boolean): Promise<boolean> {
    for (let wait = 250; ; wait = Math.min(wait * 2, 2000)) {
      if (await this.tryAcquire(key)) return true;
      if (isCanceled()) return false;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  /** One attempt, no waiting. */
  async tryAcquire(key: string): Promise<boolean> {
    return this.#query("SELECT pg_try_advisory_lock(hashtextextended('d011dl:file:' || $1, 0)) AS ok", key);
  }

  async release(key: string): Promise<void> {
    if (this.#client) await this.#query("SELECT pg_advisory_unlock(hashtextextended('d011dl:file:' || $1, 0)) AS ok", key);
  }

  async close(): Promise<void> {
    await this.#queue;
    // Releasing the session drops every lock it still holds.
    this.#client?.release(true);
    this.#client = null;
  }
}
