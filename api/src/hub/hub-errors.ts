import { HttpError } from '../http-errors.ts';

export interface HubErrorContext {
  repoId: string;
  revision?: string | undefined;
  path?: string | undefined;
  hubWebUrl: string;
  hasToken: boolean;
}

// The Hub's answers (docs/hub-protocol.md#errors) turned into errors a person can act on.
export function hubHttpError(status: number, headers: Record<string, string | string[] | undefined>, ctx: HubErrorContext): HttpError {
  const code = String(headers['x-error-code'] ?? '');
  const hubMessage = String(headers['x-error-message'] ?? '');
  const repoUrl = `${ctx.hubWebUrl}/${ctx.repoId}`;
  if (code === 'GatedRepo') {
    return new HttpError(
      403,
      'GatedRepo',
      ctx.hasToken
        ? `${ctx.repoId} is gated and the server's Hugging Face account has not been granted access: request access at ${repoUrl} with the account whose token is in HF_TOKEN.`
        : `${ctx.repoId} is gated: request access at ${repoUrl}, then set HF_TOKEN on the server to a token of the account that was granted access.`,
    );
  }
  if (code === 'RevisionNotFound') return new HttpError(404, 'RevisionNotFound', `${ctx.repoId} has no branch, tag or commit "${ctx.revision ?? ''}".`);
  if (code === 'EntryNotFound')
    return new HttpError(404, 'EntryNotFound', `${ctx.repoId}${ctx.revision ? `@${ctx.revision}` : ''} has no file or folder "${ctx.path ?? ''}".`);
  if (status === 401 && hubMessage === 'Invalid credentials in Authorization header') {
    return new HttpError(502, 'HubAuthFailed', "Hugging Face rejected the server's HF_TOKEN: replace it with a valid token.");
  }
  if (code === 'RepoNotFound' || status === 401 || status === 404) {
    return new HttpError(
      404,
      'RepoNotFound',
      ctx.hasToken
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
