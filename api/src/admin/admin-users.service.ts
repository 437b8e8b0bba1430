import type { AdminUpdateUserRequest, User } from '@d011dl/contract';
import type { CallerContext } from '../audit/audit-context.ts';
import type { AuditService } from '../audit/audit.service.ts';
import { toUser } from '../auth/auth.service.ts';
import { hashPassword } from '../auth/password.ts';
import { refreshTokensRepository as tokens } from '../auth/refresh-tokens.repository.ts';
import { usersRepository as users } from '../auth/users.repository.ts';
import { withTransaction, type Db } from '../db/pool.ts';
import { conflict, notFound } from '../http-errors.ts';

export function createAdminUsersService(deps: { db: Db; bcryptRounds: number; audit: AuditService }) {
  const { db, audit } = deps;
  return {
    async list(): Promise<User[]> {
      return (await users.list(db)).map(toUser);
    },

    /**
     * Disables or enables an account, grants or takes administrator rights, or sets a new password.
     * Disabling and a new password end every session of the user (their access tokens stop working on
     * the next request). The last enabled administrator cannot be disabled or demoted: nobody could
     * manage accounts any more.
     */
    async update(ctx: CallerContext, id: string, change: AdminUpdateUserRequest): Promise<User> {
      const passwordHash = change.password === undefined ? undefined : await hashPassword(change.password, deps.bcryptRounds);
      const row = await withTransaction(db, async (tx) => {
        // one administrator change at a time, so two admins cannot demote each other at once
        await users.lockRegistration(tx);
        const before = await users.findById(tx, id);
        if (!before) throw notFound(`No user with id ${id}`);
        const losesAdmin = before.is_admin && before.disabled_at === null && (change.disabled === true || change.is_admin === false);
        if (losesAdmin && id === ctx.actor.sub) throw conflict('You cannot disable your own account or take away your own administrator rights', 'SelfLockout');
        if (losesAdmin && (await users.countEnabledAdmins(tx)) <= 1)
          throw conflict('This is the last enabled administrator: make someone else an administrator first', 'LastAdmin');
        const after = (await users.update(tx, id, { disabled: change.disabled, isAdmin: change.is_admin, passwordHash }))!;
        if (change.disabled === true || passwordHash !== undefined) await tokens.revokeAllForUser(tx, id);
        // what changed, never the password itself
        const details: Record<string, unknown> = {};
        if ((before.disabled_at !== null) !== (after.disabled_at !== null)) details.disabled = after.disabled_at !== null;
        if (before.is_admin !== after.is_admin) details.is_admin = after.is_admin;
        if (passwordHash !== undefined) details.password_reset = true;
        await audit.record(tx, { ...ctx, action: 'user.update', target: after.username, details });
        return after;
      });
      return toUser(row);
    },

    /**
     * Deletes an account. Its sign-in sessions and personal access tokens go with it (ON DELETE CASCADE),
     * so its tokens fail on the next request; its downloads stay, owned by no one ("deleted user"), as do
     * its entries in the audit log, which keep the name. Nobody deletes themselves or the last enabled
     * administrator.
     */
    async remove(ctx: CallerContext, id: string): Promise<void> {
      await withTransaction(db, async (tx) => {
        await users.lockRegistration(tx);
        const before = await users.findById(tx, id);
        if (!before) throw notFound(`No user with id ${id}`);
        if (id === ctx.actor.sub) throw conflict('You cannot delete your own account: ask another administrator', 'SelfLockout');
        if (before.is_admin && before.disabled_at === null && (await users.countEnabledAdmins(tx)) <= 1)
          throw conflict('This is the last enabled administrator: make someone else an administrator first', 'LastAdmin');
        const jobs = await users.delete(tx, id);
        await audit.record(tx, { ...ctx, action: 'user.delete', target: before.username, details: { was_admin: before.is_admin, jobs_kept: jobs } });
      });
    },
  };
}

export type AdminUsersService = ReturnType<typeof createAdminUsersService>;
