// Who asks and from where, as the audit log records it: taken from the request by the routes and
// handed to the services, which write the entry in the transaction that makes the change.
import type { FastifyRequest } from 'fastify';
import type { AuditActor } from './audit.service.ts';

export interface AuditContext {
  actor: AuditActor | null;
  ip: string | null;
}

/** A request of a signed-in user. */
export interface CallerContext extends AuditContext {
  actor: { sub: string; username: string };
}

/** The signed-in caller (req.user, as the database said on this request) and their address. */
export const auditContext = (req: FastifyRequest): CallerContext => ({ actor: { sub: req.user.sub, username: req.user.username }, ip: req.ip });

/** The server itself, or the shell (npm run user:add): no one signed in. */
export const NO_ONE: AuditContext = { actor: null, ip: null };
