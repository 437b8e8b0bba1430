// PUT /me/password: a signed-in user changes their own password (issue 17). The current password is
// asked for (a borrowed unlocked session must not be enough), and every other session of the user ends;
// the session that made the change stays signed in. Personal access tokens are left alone: they are
// revoked one by one on the Tokens page.
import type { ChangePasswordResponse } from '@d011dl/contract';
import type { CallerContext } from '../audit/audit-context.ts';
import type { AuditService } from '../audit/audit.service.ts';
import { withTransaction, type Db } from '../db/pool.ts';
import { badRequest, forbidden, unauthorized } from '../http-errors.ts';
import { hashPassword, verifyPassword } from './password.ts';
import { refreshTokensRepository as tokens } from './refresh-tokens.repository.ts';
import { usersRepository as users } from './users.repository.ts';

export async function changePassword(
  deps: { db: Db; bcryptRounds: number; audit: AuditService },
  who: CallerContext & { sessionId: string },
  body: { current_password: string; new_password: string },
): Promise<ChangePasswordResponse> {
  const userId = who.actor.sub;
  const row = await users.findById(deps.db, userId);
  if (!row) throw unauthorized('This account no longer exists', 'InvalidToken');
  if (!(await verifyPassword(body.current_password, row.password_hash)))
    throw forbidden('The current password is wrong: the password was not changed', 'WrongPassword');
  if (body.new_password === body.current_password) throw badRequest('The new password is the same as the current one', 'SamePassword');
  const passwordHash = await hashPassword(body.new_password, deps.bcryptRounds);
  const ended = await withTransaction(deps.db, async (tx) => {
    await users.update(tx, userId, { passwordHash });
    const n = await tokens.revokeOtherSessions(tx, userId, who.sessionId);
    await deps.audit.record(tx, { actor: who.actor, ip: who.ip, action: 'password.change', target: who.actor.username, details: { sessions_ended: n } });
    return n;
  });
  return { changed: true, sessions_ended: ended };
}
