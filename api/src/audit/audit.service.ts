import type { AuditEntry, AuditPage, AuditQuerySchema } from '@d011dl/contract';
import type { z } from 'zod';
import type { Db, Queryable } from '../db/pool.ts';
import { auditRepository, type AuditRow } from './audit.repository.ts';

/** Who did it: a signed-in user (req.user has both), or null for the server itself. */
export interface AuditActor {
  sub: string | null;
  username: string | null;
}

export interface AuditRecord {
  actor: AuditActor | null;
  action: string;
  target?: string | null;
  /** what changed; never a secret (a token, a password, a webhook's secret) */
  details?: Record<string, unknown>;
  ip?: string | null;
}

export function createAuditService(deps: { db: Db }) {
  return {
    /**
     * Writes one entry. Pass the transaction that makes the change, so the entry exists exactly when
     * the change does; with the pool it is written on its own.
     */
    async record(q: Queryable, r: AuditRecord): Promise<void> {
      await auditRepository.insert(q, {
        actorId: r.actor?.sub ?? null,
        actorName: r.actor?.username ?? null,
        action: r.action,
        target: r.target ?? null,
        details: r.details ?? {},
        ip: r.ip ?? null,
      });
    },

    async page(query: z.output<typeof AuditQuerySchema>): Promise<AuditPage> {
      // one row more than asked tells whether an older page exists
      const rows = await auditRepository.page(deps.db, { ...query, limit: query.limit + 1 });
      const entries = rows.slice(0, query.limit).map(toEntry);
      return { entries, next_before: rows.length > query.limit ? entries.at(-1)!.id : null };
    },
  };
}

export type AuditService = ReturnType<typeof createAuditService>;

function toEntry(r: AuditRow): AuditEntry {
  return {
    id: r.id,
    at: r.at.toISOString(),
    actor: { id: r.actor_id, username: r.actor_name },
    action: r.action,
    target: r.target,
    details: r.details,
    ip: r.ip,
  };
}
