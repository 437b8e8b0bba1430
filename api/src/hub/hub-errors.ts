import { HttpError } from '../http-errors.ts';
import { describeCredential, type HubCredential } from './hub-credential.ts';

export interface HubErrorContext {
  repoId: string;
  revision?: string | undefined;
  path?: string | undefined;
  hubWebUrl: string;
  /** whose token was sent: a refusal names it */
  cred: HubCredential;
}

// A gated repo refused the files: say whose token lacked access and where to ask for it.
function gatedMessage(ctx: HubErrorContext, repoUrl: string): string {
  const { cred } = ctx;
  if (cred.owner === 'user')
    return `${ctx.repoId} is gated: ${cred.userName}'s Hugging Face token (account ${cred.hubUser}) has no access — request it at ${repoUrl}`;
  if (cred.owner === 'server')
    return `${ctx.repoId} is gated and the server's Hugging Face account has not been granted access: request access at ${repoUrl} with the account whose token is in HF_TOKEN${cred.userName ? ', or add your own token under Account' : ''}.`;
  if (cred.userName)
    return `${ctx.repoId} is gated: no Hugging Face token is set for ${cred.userName} and the server has none — request access at ${repoUrl}, then add your token under Account.`;
  return `${ctx.repoId} is gated: request access at ${repoUrl}, then set HF_TOKEN on the server to a token of the account that was granted access.`;
}

// The Hub's answers (docs/hub-protocol.md#errors) turned into errors a person can act on.
export function hubHttpError(status: number, headers: Record<string, string | string[] | undefined>, ctx: HubErrorContext): HttpError {
  const code = String(headers['x-error-code'] ?? '');
  const hubMessage = String(headers['x-error-message'] ?? '');
  const repoUrl = `${ctx.hubWebUrl}/${ctx.repoId}`;
  if (code === 'GatedRepo') {
    return new HttpError(403, 'GatedRepo', gatedMessage(ctx, repoUrl));
  }
  if (code === 'RevisionNotFound') return new HttpError(404, 'RevisionNotFound', `${ctx.repoId} has no branch, tag or commit "${ctx.revision ?? ''}".`);
  if (code === 'EntryNotFound')
    return new HttpError(404, 'EntryNotFound', `${ctx.repoId}${ctx.revision ? `@${ctx.revision}` : ''} has no file or folder "${ctx.path ?? ''}".`);
  if (status === 401 && hubMessage === 'Invalid credentials in Authorization header') {
    if (ctx.cred.owner === 'user')
      return new HttpError(
        409,
        'HfTokenRejected',
        `Hugging Face no longer accepts ${ctx.cred.userName}'s token (account ${ctx.cred.hubUser}): it was revoked or expired; set a new one under Account.`,
      );
    return new HttpError(502, 'HubAuthFailed', "Hugging Face rejected the server's HF_TOKEN: replace it with a valid token.");
  }
  if (code === 'RepoNotFound' || status === 401 || status === 404) {
    return new HttpError(
      404,
      'RepoNotFound',
      ctx.cred.owner === 'user'
        ? `${ctx.repoId} was not found on Hugging Face, or it is private and ${describeCredential(ctx.cred)} has no access to it.`
        : ctx.cred.owner === 'server'
          ? `${ctx.repoId} was not found on Hugging Face, or it is private and the server's HF_TOKEN has no access to it.`
          : `${ctx.repoId} was not found on Hugging Face. If it is private, set HF_TOKEN on the server to a token with access.`,
    );
  }
  if (status === 403) {
    return new HttpError(403, 'HubForbidden', `Hugging Face refused access to ${ctx.repoId}${hubMessage ? `: ${hubMessage}` : '.'}`);
  }
  if (status === 429) {
    const retryAfter = String(headers['retry-after'] ?? '');
    return new HttpError(
      503,
      'HubRateLimited',
      'Hugging Face is rate-limiting this server; try again in a few minutes.',
      retryAfter ? { 'retry-after': retryAfter } : {},
    );
  }
  return new HttpError(502, 'HubUnavailable', `Hugging Face answered ${status}${hubMessage ? ` (${hubMessage})` : ''}; try again later.`);
}

export function hubNetworkError(err: unknown, endpoint: string): HttpError {
  const code = (err as { code?: string }).code ?? '';
  const timeout = /TIMEOUT/i.test(code) || (err as Error).name === 'TimeoutError';
  return new HttpError(
    502,
    'HubUnavailable',
    timeout
      ? `Hugging Face (${endpoint}) did not answer in time; try again later.`
      : `Could not reach Hugging Face (${endpoint}): ${code || (err as Error).message}.`,
  );
}
