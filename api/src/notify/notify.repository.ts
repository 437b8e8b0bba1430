// Every SQL statement about notifications (db/migrations/0012_webhooks.sql): webhooks, e-mail opt-ins,
// deliveries and their attempts.
import type { NotifyEvent, WebhookPreset } from '@d011dl/contract';
import type { Queryable } from '../db/pool.ts';

export interface WebhookRow {
  id: string;
  name: string;
  url: string;
  preset: WebhookPreset;
  events: NotifyEvent[];
  secret: string;
  enabled: boolean;
  created_at: Date;
  last_state: 'pending' | 'delivered' | 'failed' | null;
  last_event: string | null;
  last_at: Date | null;
}

export interface DeliveryRow {
  id: string;
  webhook_id: string | null;
  email_user_id: string | null;
  event_id: string;
  event: string;
  payload: Record<string, unknown>;
  attempts: number;
}

export interface AttemptRow {
  delivery_id: string;
  event: string;
  attempt: number;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
  at: Date;
  state: 'pending' | 'delivered' | 'failed';
}

export interface ModelInfo {
  id: string;
  author: string;
  repo: string;
  revision: string;
  storage: string;
  commit_sha: string | null;
  hub_commit_sha?: string | null;
}

const WEBHOOK_SELECT = `
  SELECT w.*, last.state AS last_state, last.event AS last_event, last.updated_at AS last_at
    FROM webhooks w
    LEFT JOIN LATERAL (SELECT state, event, updated_at FROM notify_deliveries
                        WHERE webhook_id = w.id ORDER BY created_at DESC LIMIT 1) last ON true`;

export const notifyRepository = {
  /** Runs `fn` so that its failure undoes only its own writes, not the caller's transaction. */
  async savepoint(tx: Queryable, fn: () => Promise<void>): Promise<void> {
    await tx.query('SAVEPOINT notify');
    try {
      await fn();
      await tx.query('RELEASE SAVEPOINT notify');
    } catch (err) {
      await tx.query('ROLLBACK TO SAVEPOINT notify');
      throw err;
    }
  },

  async insertWebhook(
    db: Queryable,
    w: { name: string; url: string; preset: WebhookPreset; events: NotifyEvent[]; secret: string; createdBy: string },
  ): Promise<WebhookRow> {
    const r = await db.query<{ id: string }>(
      'INSERT INTO webhooks (name, url, preset, events, secret, created_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id',
      [w.name, w.url, w.preset, w.events, w.secret, w.createdBy],
    );
    return (await this.getWebhook(db, r.rows[0]!.id))!;
  },

  async getWebhook(db: Queryable, id: string): Promise<WebhookRow | null> {
    const r = await db.query<WebhookRow>(`${WEBHOOK_SELECT} WHERE w.id = $1`, [id]);
    return r.rows[0] ?? null;
  },

  async listWebhooks(db: Queryable): Promise<WebhookRow[]> {
    return (await db.query<WebhookRow>(`${WEBHOOK_SELECT} ORDER BY w.created_at`)).rows;
  },

  async updateWebhook(
    db: Queryable,
    id: string,
    p: {
      url?: string | undefined;
      events?: NotifyEvent[] | undefined;
      enabled?: boolean | undefined;
      preset?: WebhookPreset | undefined;
      name?: string | undefined;
      secret?: string | undefined;
    },
  ): Promise<WebhookRow | null> {
    const r = await db.query(
      `UPDATE webhooks SET url = coalesce($2, url), events = coalesce($3, events), enabled = coalesce($4, enabled),
              preset = coalesce($5, preset), name = coalesce($6, name), secret = coalesce($7, secret), updated_at = now()
        WHERE id = $1`,
      [id, p.url ?? null, p.events ?? null, p.enabled ?? null, p.preset ?? null, p.name ?? null, p.secret ?? null],
    );
    return r.rowCount ? this.getWebhook(db, id) : null;
  },

  async deleteWebhook(db: Queryable, id: string): Promise<boolean> {
    return ((await db.query('DELETE FROM webhooks WHERE id = $1', [id])).rowCount ?? 0) > 0;
  },

  /**
   * One delivery per enabled webhook that wants the event, and per user who opted into e-mail for it
   * (for a download's events only its owner: `ownerId`). Meant to run in the transaction that caused it.
   */
  async enqueue(db: Queryable, e: { event: NotifyEvent; eventId: string; payload: object; ownerId: string | null }): Promise<number> {
    const r = await db.query(
      `INSERT INTO notify_deliveries (webhook_id, email_user_id, event_id, event, payload)
       SELECT id, NULL::uuid, $2::uuid, $1::text, $3::jsonb FROM webhooks WHERE enabled AND $1::text = ANY (events)
       UNION ALL
       SELECT NULL::uuid, n.user_id, $2::uuid, $1::text, $3::jsonb FROM notify_email n JOIN users u ON u.id = n.user_id
        WHERE $1::text = ANY (n.events) AND u.disabled_at IS NULL AND ($4::uuid IS NULL OR n.user_id = $4)`,
      [e.event, e.eventId, JSON.stringify(e.payload), e.ownerId],
    );
    return r.rowCount ?? 0;
  },

  /** A single delivery to one webhook (a test), due now. */
  async insertDelivery(db: Queryable, d: { webhookId: string; event: string; eventId: string; payload: object }): Promise<DeliveryRow> {
    const r = await db.query<DeliveryRow>(
      `INSERT INTO notify_deliveries (webhook_id, event_id, event, payload, next_attempt_at) VALUES ($1, $2, $3, $4, now() + interval '1 hour')
       RETURNING id, webhook_id, email_user_id, event_id, event, payload, attempts`,
      [d.webhookId, d.eventId, d.event, JSON.stringify(d.payload)],
    );
    return r.rows[0]!;
  },

  /**
   * Takes deliveries that are due and leases them for `leaseS` seconds (their next attempt moves that far
   * ahead), so that another sender, here or in another instance, leaves them alone; a sender that dies
   * mid-attempt loses the lease and the delivery is tried again.
   */
  async claimDue(db: Queryable, limit: number, leaseS: number): Promise<DeliveryRow[]> {
    const r = await db.query<DeliveryRow>(
      `UPDATE notify_deliveries SET next_attempt_at = now() + make_interval(secs => $2::float8)
        WHERE id IN (SELECT id FROM notify_deliveries WHERE state = 'pending' AND next_attempt_at <= now()
                      ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
        RETURNING id, webhook_id, email_user_id, event_id, event, payload, attempts`,
      [limit, leaseS],
    );
    return r.rows;
  },

  /** Milliseconds until the next pending delivery is due (0 if one is), or null when none is pending. */
  async msUntilNextDue(db: Queryable): Promise<number | null> {
    const r = await db.query<{ ms: number | null }>(
      "SELECT greatest(0, extract(epoch FROM min(next_attempt_at) - now()) * 1000)::float8 AS ms FROM notify_deliveries WHERE state = 'pending'",
    );
    return r.rows[0]?.ms ?? null;
  },

  /** Records an attempt; the delivery is delivered, failed for good, or due again after `retryInS`. */
  async recordAttempt(
    db: Queryable,
    a: { deliveryId: string; attempt: number; statusCode: number | null; error: string | null; durationMs: number; retryInS: number | null },
  ): Promise<void> {
    const state = a.error === null ? 'delivered' : a.retryInS === null ? 'failed' : 'pending';
    await db.query(
      `WITH a AS (INSERT INTO notify_attempts (delivery_id, attempt, status_code, error, duration_ms) VALUES ($1, $2, $3, $4, $5))
       UPDATE notify_deliveries SET attempts = $2, state = $6, updated_at = now(),
              next_attempt_at = CASE WHEN $6 = 'pending' THEN now() + make_interval(secs => $7::float8) ELSE next_attempt_at END
        WHERE id = $1`,
      [a.deliveryId, a.attempt, a.statusCode, a.error, Math.round(a.durationMs), state, a.retryInS ?? 0],
    );
  },

  async attempts(db: Queryable, webhookId: string, limit: number, offset: number): Promise<{ rows: AttemptRow[]; total: number }> {
    const rows = await db.query<AttemptRow>(
      `SELECT a.delivery_id, d.event, a.attempt, a.status_code, a.error, a.duration_ms, a.at, d.state
         FROM notify_attempts a JOIN notify_deliveries d ON d.id = a.delivery_id
        WHERE d.webhook_id = $1 ORDER BY a.at DESC, a.id DESC LIMIT $2 OFFSET $3`,
      [webhookId, limit, offset],
    );
    const total = await db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM notify_attempts a JOIN notify_deliveries d ON d.id = a.delivery_id WHERE d.webhook_id = $1',
      [webhookId],
    );
    return { rows: rows.rows, total: total.rows[0]!.n };
  },

  /** A catalog entry for a payload; with `updateOnly`, only while it has an update that is not pinned away. */
  async model(db: Queryable, id: string, updateOnly: boolean): Promise<ModelInfo | null> {
    const r = await db.query<ModelInfo>(
      updateOnly
        ? `SELECT id, author, repo, revision, storage, commit_sha, hub_commit_sha FROM models
            WHERE id = $1 AND NOT pinned AND commit_sha IS NOT NULL AND hub_commit_sha IS NOT NULL AND hub_commit_sha <> commit_sha`
        : 'SELECT id, author, repo, revision, storage, commit_sha FROM models WHERE id = $1',
      [id],
    );
    return r.rows[0] ?? null;
  },

  async getEmail(db: Queryable, userId: string): Promise<{ email: string; events: NotifyEvent[] } | null> {
    const r = await db.query<{ email: string; events: NotifyEvent[] }>('SELECT email, events FROM notify_email WHERE user_id = $1', [userId]);
    return r.rows[0] ?? null;
  },

  async setEmail(db: Queryable, userId: string, email: string | null, events: NotifyEvent[]): Promise<void> {
    if (email === null) await db.query('DELETE FROM notify_email WHERE user_id = $1', [userId]);
    else
      await db.query(
        `INSERT INTO notify_email (user_id, email, events) VALUES ($1, $2, $3)
         ON CONFLICT (user_id) DO UPDATE SET email = $2, events = $3, updated_at = now()`,
        [userId, email, events],
      );
  },
};
