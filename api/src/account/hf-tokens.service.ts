// A user's own Hugging Face token (issue 17): checked with the Hub when saved, sealed at rest
// (token-cipher.ts), and the credential every Hub call made for that user carries (else HF_TOKEN).
import type { CallerContext } from '../audit/audit-context.ts';
import type { AuditService } from '../audit/audit.service.ts';
import type { HfTokenStatus, SetHfTokenResponse } from '@d011dl/contract';
import { withTransaction, type Db } from '../db/pool.ts';
import { badRequest, HttpError } from '../http-errors.ts';
import type { HubClient } from '../hub/hub-client.ts';
import { serverCredential, type HubCredential } from '../hub/hub-credential.ts';
import { createHubService, type HubService } from '../hub/hub.service.ts';
import { hfTokensRepository as repo, type HfTokenRow } from './hf-tokens.repository.ts';
import { TokenUnreadable, type TokenCipher } from './token-cipher.ts';

/** A credential to use, or why the user's saved token cannot be used (never guessed around). */
export type CredentialOutcome = { ok: true; cred: HubCredential } | { ok: false; problem: string };

const unusable = (why: string) => `Your saved Hugging Face token cannot be used: ${why}. Set it again under Account.`;

export function createHfTokensService(deps: { db: Db; cipher: TokenCipher; hubClient: HubClient; serverToken: string | undefined; audit: AuditService }) {
  const { db, cipher, hubClient, audit } = deps;

  function open(row: HfTokenRow): CredentialOutcome {
    try {
      const token = cipher.open(row, row.userId);
      return { ok: true, cred: { token, owner: 'user', userId: row.userId, userName: row.username, hubUser: row.hubUser } };
    } catch (err) {
      if (err instanceof TokenUnreadable) return { ok: false, problem: unusable(err.message) };
      throw err;
    }
  }

  async function credential(userId: string | null): Promise<CredentialOutcome> {
    const row = userId ? await repo.get(db, userId) : null;
    if (row) return open(row);
    const userName = userId ? ((await repo.username(db, userId)) ?? undefined) : undefined;
    return { ok: true, cred: { ...serverCredential(deps.serverToken), userId: userId ?? undefined, userName } };
  }

  const clientFor = async (userId: string): Promise<HubClient> => {
    const c = await credential(userId);
    if (!c.ok) throw new HttpError(409, 'HfTokenUnusable', c.problem);
    return hubClient.as(c.cred);
  };

  return {
    async status(userId: string): Promise<HfTokenStatus> {
      const row = await repo.get(db, userId);
      if (!row) return { set: false, hub_user: null, set_at: null, problem: null };
      const opened = open(row);
      return { set: true, hub_user: row.hubUser, set_at: row.setAt.toISOString(), problem: opened.ok ? null : opened.problem };
    },

    async set(ctx: CallerContext, token: string): Promise<SetHfTokenResponse> {
      const userId = ctx.actor.sub;
      // asked before anything is stored: a token the Hub refuses is never kept
      const who = await hubClient.whoami(token).catch((err: unknown) => {
        if (err instanceof HttpError && err.statusCode >= 500)
          throw new HttpError(503, 'HubUnavailable', `The token could not be checked because Hugging Face did not answer: ${err.message} Nothing was saved.`);
        throw err;
      });
      if (!who)
        throw badRequest(
          'The Hub does not accept this token (Invalid credentials): check that you copied the whole token from https://huggingface.co/settings/tokens and that it was not revoked. Nothing was saved.',
          'HfTokenInvalid',
        );
      const setAt = await withTransaction(db, async (tx) => {
        const at = await repo.upsert(tx, userId, cipher.seal(token, userId), who.name);
        await audit.record(tx, { ...ctx, action: 'hf_token.set', target: ctx.actor.username, details: { hub_user: who.name } });
        return at;
      });
      return { hub_user: who.name, set_at: setAt.toISOString() };
    },

    async remove(ctx: CallerContext): Promise<void> {
      await withTransaction(db, async (tx) => {
        await repo.remove(tx, ctx.actor.sub);
        await audit.record(tx, { ...ctx, action: 'hf_token.remove', target: ctx.actor.username });
      });
    },

    credential,

    /** The Hub client for calls made for this user: their own token when set, else the server's. */
    clientFor,
    async hubFor(userId: string): Promise<HubService> {
      return createHubService(await clientFor(userId));
    },

    hubForCredential: (cred: HubCredential): HubService => createHubService(hubClient.as(cred)),

    /** At a job's start (in the worker): whose token it uses, recorded on the job. */
    async forJob(downloadId: string, userId: string | null): Promise<CredentialOutcome> {
      const c = await credential(userId);
      if (c.ok)
        await repo.recordJobToken(db, downloadId, {
          owner: c.cred.owner,
          userId: c.cred.owner === 'user' ? (userId ?? null) : null,
          hubUser: c.cred.hubUser ?? null,
        });
      return c;
    },
  };
}

export type HfTokensService = ReturnType<typeof createHfTokensService>;
