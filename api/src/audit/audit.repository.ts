// The audit_log table (db/migrations/0010_admin.sql): every query on it lives here.
import type { Queryable } from '../db/pool.ts';

export interface AuditRow {
  id: number;
  at: Date;
  actor_id: string | null;
  actor_name: string | null;
  action: string;
  target: string | null;
  details: Record<string, unknown>;
  ip: string | null;
}

export interface AuditInsert {
  actorId: string | null;
  actorName: string | null;
  action: string;
  target: string | null;
  details: Record<string, unknown>;
  ip: string | null;
}

export const auditRepository = {
  async insert(db: Queryable, e: AuditInsert): Promise<void> {
    await db.query('INSERT INTO audit_log (actor_id, actor_name, action, target, details, ip) VALUES ($1, $2, $3, $4, $5, $6)', [
      e.actorId,
      e.actorName,
      e.action,
      e.target,
      JSON.stringify(e.details),
      e.ip,
    ]);
  },

  /** Newest first, `limit` rows older than `before`; `action` matches an action or a whole area ("auth"). */
  async page(db: Queryable, q: { before?: number | undefined; limit: number; action?: string | undefined; actor?: string | undefined }): Promise<AuditRow[]> {
    const r = await db.query<AuditRow>(
      `SELECT id, at, actor_id, actor_name, action, target, details, ip FROM audit_log
        WHERE ($1::bigint IS NULL OR id < $1)
          AND ($2::text IS NULL OR action = $2 OR action LIKE $2 || '.%')
          AND ($3::text IS NULL OR lower(actor_name) = lower($3))
        ORDER BY id DESC LIMIT $4`,
      [q.before ?? null, q.action ?? null, q.actor ?? null, q.limit],
    );
    return r.rows;
  },
};
