// Personal access tokens: created for a signed-in user, shown once, kept only as a SHA-256 (a token
// carries 256 random bits, so a fast hash is enough: there is nothing to guess), revoked by their owner.
import { createHash, randomBytes } from 'node:crypto';
import { ACCESS_TOKEN_PREFIX, type AccessToken, type CreateTokenResponse, type TokenScope } from '@d011dl/contract';
import type { CallerContext } from '../audit/audit-context.ts';
import type { AuditService } from '../audit/audit.service.ts';
import { withTransaction, type Db } from '../db/pool.ts';
import { notFound, unauthorized } from '../http-errors.ts';
import { accessTokensRepository as repo, type AccessTokenRow } from './access-tokens.repository.ts';
import type { Principal } from './jwt.plugin.ts';

const hash = (token: string) => createHash('sha256').update(token).digest('hex');
// last_used_at is for people ("used 3 days ago"): one write a minute per token, not one per request
const TOUCH_EVERY_MS = 60_000;

function toToken(r: AccessTokenRow): AccessToken {
  return { id: r.id, name: r.name, scope: r.scope, hint: r.hint, created_at: r.created_at.toISOString(), last_used_at: r.last_used_at?.toISOString() ?? null };
}

export const isAccessToken = (value: string) => value.startsWith(ACCESS_TOKEN_PREFIX);

export function createAccessTokensService(deps: { db: Db; audit: AuditService }) {
  const { db, audit } = deps;
  return {
    async create(ctx: CallerContext, req: { name: string; scope: TokenScope }): Promise<CreateTokenResponse> {
      const secret = randomBytes(32).toString('hex');
      const token = `${ACCESS_TOKEN_PREFIX}${secret}`;
      const row = await withTransaction(db, async (tx) => {
        const inserted = await repo.insert(tx, {
          userId: ctx.actor.sub,
          name: req.name,
          scope: req.scope,
          tokenHash: hash(token),
          hint: `${ACCESS_TOKEN_PREFIX}${secret.slice(0, 4)}…`,
        });
        // the name and scope only: not the token, not even its hint
        await audit.record(tx, { ...ctx, action: 'token.create', target: inserted.name, details: { token_id: inserted.id, scope: inserted.scope } });
        return inserted;
      });
      return { ...toToken(row), token };
    },

    async list(userId: string): Promise<AccessToken[]> {
      return (await repo.listForUser(db, userId)).map(toToken);
    },

    async revoke(ctx: CallerContext, id: string): Promise<void> {
      await withTransaction(db, async (tx) => {
        const gone = await repo.revoke(tx, ctx.actor.sub, id);
        // someone else's token is reported as absent: ids are not to be probed
        if (!gone) throw notFound(`No token ${id} (already revoked, or not yours)`);
        await audit.record(tx, { ...ctx, action: 'token.revoke', target: gone.name, details: { token_id: id, scope: gone.scope } });
      });
    },

    /** Who a token belongs to, as the database says now; a 401 for a revoked token or a disabled account. */
    async principal(token: string): Promise<Principal & { scope: TokenScope }> {
      const row = await repo.findOwner(db, hash(token));
      if (!row) throw unauthorized('Invalid credentials in Authorization header: this token is unknown or was revoked', 'InvalidToken');
      if (row.disabled) throw unauthorized('This account is disabled: ask an administrator', 'AccountDisabled');
      if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > TOUCH_EVERY_MS) await repo.touch(db, row.token_id);
      return { sub: row.user_id, sid: row.token_id, username: row.username, admin: row.is_admin, scope: row.scope };
    },
  };
}

export type AccessTokensService = ReturnType<typeof createAccessTokensService>;
