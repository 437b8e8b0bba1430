import { createHash, randomBytes } from 'node:crypto';
import type { AuthConfigResponse, LoginResponse, RegisterResponse, TokenPair, User } from '@d011dl/contract';
import { NO_ONE, type AuditContext } from '../audit/audit-context.ts';
import type { AuditService } from '../audit/audit.service.ts';
import type { AppConfig } from '../config/config.ts';
import { withTransaction, type Db } from '../db/pool.ts';
import { conflict, forbidden, unauthorized } from '../http-errors.ts';
import type { AccessClaims, Principal } from './jwt.plugin.ts';
import { dummyPasswordHash, hashPassword, verifyPassword } from './password.ts';
import { refreshTokensRepository as tokens } from './refresh-tokens.repository.ts';
import { usersRepository as users, type UserRow } from './users.repository.ts';

const BAD_CREDENTIALS = 'Wrong username or password';
const closed = () => forbidden('Registration is closed: ask an administrator to create your account', 'RegistrationClosed');

export function toUser(row: UserRow): User {
  return {
    id: row.id,
    username: row.username,
    is_admin: row.is_admin,
    created_at: row.created_at.toISOString(),
    last_login_at: row.last_login_at?.toISOString() ?? null,
    disabled: row.disabled_at !== null,
  };
}

const DISABLED = 'This account is disabled: ask an administrator';

// Refresh tokens are random and opaque; only their SHA-256 is stored, so a database leak does not
// hand out sessions.
const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export function createAuthService(deps: {
  db: Db;
  config: AppConfig;
  audit: AuditService;
  signAccessToken: (claims: AccessClaims) => string;
  /** ALLOW_REG as the Settings page says now (default: the environment's) */
  allowRegistration?: () => boolean;
}) {
  const { db, config, audit } = deps;
  const { bcryptRounds, accessTokenTtlS, refreshTokenTtlDays } = config.auth;
  const allowRegistration = deps.allowRegistration ?? (() => config.auth.allowRegistration);

  // sessionId: the session a refresh continues; a sign-in starts a new one
  async function issueTokens(user: UserRow, client: Parameters<typeof tokens.insert>[0] = db, sessionId?: string): Promise<TokenPair & { refreshId: string }> {
    const refresh = randomBytes(32).toString('base64url');
    const row = await tokens.insert(client, { userId: user.id, tokenHash: hashToken(refresh), ttlDays: refreshTokenTtlDays, sessionId });
    const refreshId = row.id;
    return {
      token: deps.signAccessToken({ sub: user.id, sid: row.session_id, username: user.username, admin: user.is_admin }),
      refresh_token: refresh,
      token_type: 'Bearer',
      expires_in: accessTokenTtlS,
      refreshId,
    };
  }

  async function createUser(username: string, password: string, isAdmin: boolean, ctx: AuditContext): Promise<UserRow> {
    if (await users.exists(db, username)) throw conflict(`The username "${username}" is taken`, 'UsernameTaken');
    const passwordHash = await hashPassword(password, bcryptRounds);
    return withTransaction(db, async (tx) => {
      const row = await users.insert(tx, { username, passwordHash, isAdmin });
      if (!row) throw conflict(`The username "${username}" is taken`, 'UsernameTaken');
      await audit.record(tx, { ...ctx, action: 'user.create', target: row.username, details: { is_admin: row.is_admin } });
      return row;
    });
  }

  return {
    async registrationOpen(): Promise<boolean> {
      return allowRegistration() || (await users.countUsers(db)) === 0;
    },

    async authConfig(): Promise<AuthConfigResponse> {
      const none = (await users.countUsers(db)) === 0;
      return { registration_open: allowRegistration() || none, setup_required: none };
    },

    // The very first account may always be created (and is the administrator), so a fresh install
    // can be claimed without shell access; after that only when ALLOW_REG is on. The cheap refusals
    // (closed, name taken) come before the deliberately slow hash, so refusing costs nothing; the
    // transaction checks both again, as the hash takes a while.
    async register(username: string, password: string, ip: string | null = null): Promise<RegisterResponse> {
      if (!allowRegistration() && (await users.countUsers(db)) > 0) throw closed();
      if (await users.exists(db, username)) throw conflict(`The username "${username}" is taken`, 'UsernameTaken');
      const passwordHash = await hashPassword(password, bcryptRounds);
      const row = await withTransaction(db, async (tx) => {
        await users.lockRegistration(tx);
        const first = (await users.countUsers(tx)) === 0;
        if (!first && !allowRegistration()) throw closed();
        const inserted = await users.insert(tx, { username, passwordHash, isAdmin: first });
        if (!inserted) throw conflict(`The username "${username}" is taken`, 'UsernameTaken');
        await audit.record(tx, {
          actor: { sub: inserted.id, username: inserted.username },
          action: 'user.register',
          target: inserted.username,
          details: { is_admin: inserted.is_admin },
          ip,
        });
        return inserted;
      });
      return { id: row.id, username: row.username, is_admin: row.is_admin };
    },

    /** ctx: who creates it (an administrator, or the shell: NO_ONE), for the audit log. */
    async createUser(username: string, password: string, isAdmin: boolean, ctx: AuditContext = NO_ONE): Promise<User> {
      return toUser(await createUser(username, password, isAdmin, ctx));
    },

    // Every refusal writes one audit entry, whatever the reason, so the reasons take equally long
    // and the answer (the same words for an unknown name and a wrong password) gives nothing away.
    async login(username: string, password: string, ip: string | null = null): Promise<LoginResponse> {
      const failed = async (reason: string, error = unauthorized(BAD_CREDENTIALS, 'InvalidCredentials')) => {
        await audit.record(db, { actor: null, action: 'auth.login_failed', target: username, details: { reason }, ip });
        return error;
      };
      const row = await users.findByUsername(db, username);
      if (!row) {
        await verifyPassword(password, await dummyPasswordHash(bcryptRounds));
        throw await failed('unknown user');
      }
      if (!(await verifyPassword(password, row.password_hash))) throw await failed('wrong password');
      // only told after the right password, so it does not reveal which accounts exist
      if (row.disabled_at) throw await failed('account disabled', unauthorized(DISABLED, 'AccountDisabled'));
      const updated = await users.touchLastLogin(db, row.id);
      const { refreshId: _, ...pair } = await issueTokens(updated);
      await audit.record(db, { actor: { sub: updated.id, username: updated.username }, action: 'auth.login', target: updated.username, ip });
      return { ...pair, user: toUser(updated) };
    },

    // Rotation: each refresh token works once. Presenting one that was already used means it was
    // copied, so every session of that user is revoked.
    async refresh(refreshToken: string): Promise<TokenPair> {
      const outcome = await withTransaction(db, async (tx) => {
        const row = await tokens.findForUpdate(tx, hashToken(refreshToken));
        if (!row || row.expires_at.getTime() < Date.now()) return { ok: false, error: 'Your session has expired: sign in again' } as const;
        if (row.revoked_at) {
          await tokens.revokeAllForUser(tx, row.user_id);
          return { ok: false, error: 'This session was already used or signed out: sign in again' } as const;
        }
        const user = await users.findById(tx, row.user_id);
        if (!user) return { ok: false, error: 'This account no longer exists' } as const;
        if (user.disabled_at) return { ok: false, error: DISABLED } as const;
        const { refreshId, ...pair } = await issueTokens(user, tx, row.session_id);
        await tokens.revoke(tx, row.id, refreshId);
        return { ok: true, pair } as const;
      });
      // thrown outside the transaction so a reuse-triggered revocation is committed
      if (!outcome.ok) throw unauthorized(outcome.error, 'InvalidRefreshToken');
      return outcome.pair;
    },

    // Ends the whole session: its refresh tokens, and so (see principal) its access tokens too.
    async logout(refreshToken: string, ip: string | null = null): Promise<void> {
      await withTransaction(db, async (tx) => {
        const row = await tokens.findForUpdate(tx, hashToken(refreshToken));
        if (!row) return;
        await tokens.revokeSession(tx, row.session_id);
        const user = await users.findById(tx, row.user_id);
        if (user) await audit.record(tx, { actor: { sub: user.id, username: user.username }, action: 'auth.logout', target: user.username, ip });
      });
    },

    async principal(userId: string, sessionId: string): Promise<Principal> {
      const p = await users.principal(db, userId, sessionId);
      if (!p) throw unauthorized('This account no longer exists', 'InvalidToken');
      if (p.disabled) throw unauthorized(DISABLED, 'AccountDisabled');
      if (!p.session_live) throw unauthorized('This session has ended (signed out or revoked): sign in again', 'SessionEnded');
      return { sub: p.id, sid: sessionId, username: p.username, admin: p.is_admin };
    },

    async me(userId: string): Promise<User> {
      const row = await users.findById(db, userId);
      if (!row) throw unauthorized('This account no longer exists', 'InvalidToken');
      return toUser(row);
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
