// The audit log for administrators (GET /admin/audit of the API): newest first, a page at a time,
// filtered by area or action and by user, each entry as a sentence (audit-words.ts).
import { Router } from 'express';
import { AuditPageSchema, type User } from '@d011dl/contract';
import { ApiError } from '../api-client.ts';
import { AUDIT_AREAS, describeAudit } from '../audit-words.ts';
import { page, str, type RouterDeps } from './shared.ts';

export function auditRouter({ api }: RouterDeps): Router {
  const router = Router();

  router.get('/admin/audit', async (req, res) => {
    if (!(res.locals.user as User).is_admin) throw new ApiError(403, 'Forbidden', 'Only administrators can read the audit log.');
    const action = str(req.query.action).trim();
    const actor = str(req.query.actor).trim();
    const before = /^\d+$/.test(str(req.query.before)) ? str(req.query.before) : '';
    const q = new URLSearchParams({ limit: '50' });
    if (action) q.set('action', action);
    if (actor) q.set('actor', actor);
    if (before) q.set('before', before);
    const r = await api.call(req, res, 'GET', `/admin/audit?${q}`, AuditPageSchema);
    const filters = new URLSearchParams();
    if (action) filters.set('action', action);
    if (actor) filters.set('actor', actor);
    page(res, 'audit', {
      title: 'Audit log',
      entries: r.entries.map((e) => ({ ...e, sentence: describeAudit(e) })),
      areas: AUDIT_AREAS,
      action,
      actor,
      older: r.next_before === null ? null : `/admin/audit?${new URLSearchParams([...filters, ['before', String(r.next_before)]])}`,
      newest: before ? `/admin/audit${filters.size ? `?${filters}` : ''}` : null,
    });
  });

  return router;
}
