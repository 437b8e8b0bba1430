// Who is asking, and what the Hub answers when they may not see something (docs/hub-protocol.md#errors).
import type { IncomingMessage } from 'node:http';
import type { HubError } from './context.ts';
import type { Repo } from './repo-store.ts';

export interface Viewer {
  user?: string;
  /** an Authorization header was sent but is not a known token */
  invalidToken: boolean;
}

export function viewerOf(req: IncomingMessage, tokens: ReadonlyMap<string, string>): Viewer {
  const header = req.headers.authorization;
  if (header === undefined) return { invalidToken: false };
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  const user = m?.[1] ? tokens.get(m[1]) : undefined;
  return user ? { user, invalidToken: false } : { invalidToken: true };
}

export const INVALID_TOKEN: HubError = { status: 401, message: 'Invalid credentials in Authorization header' };

/** Missing and private-without-access look the same: 401 without a token, 404 RepoNotFound with one. */
export function checkRepoVisible(repo: Repo | undefined, viewer: Viewer): HubError | undefined {
  if (viewer.invalidToken) return INVALID_TOKEN;
  if (repo && (!repo.spec.private || isCollaborator(repo, viewer.user))) return undefined;
  if (!viewer.user) return { status: 401, message: 'Invalid username or password.' };
  return { status: 404, code: 'RepoNotFound', message: 'Repository not found' };
}

/** Gating only guards file contents (resolve/raw); metadata and tree stay public. */
export function checkGate(repo: Repo, viewer: Viewer, hubUrl: string): HubError | undefined {
  if (!repo.spec.gated) return undefined;
  const user = viewer.user;
  if (user && (isCollaborator(repo, user) || (repo.spec.gatedApproved ?? []).includes(user))) return undefined;
  const kind = repo.type === 'dataset' ? 'dataset' : 'model';
  if (!user) {
    return {
      status: 401,
      code: 'GatedRepo',
      message: `Access to ${kind} ${repo.id} is restricted. You must have access to it and be authenticated to access it. Please log in.`,
    };
  }
  const page = `${hubUrl}/${repo.type === 'dataset' ? 'datasets/' : ''}${repo.id}`;
  return {
    status: 403,
    code: 'GatedRepo',
    message: `Access to ${kind} ${repo.id} is restricted and you are not in the authorized list. Visit ${page} to ask for access.`,
  };
}

function isCollaborator(repo: Repo, user: string | undefined): boolean {
  return user !== undefined && (repo.spec.collaborators ?? []).includes(user);
}
