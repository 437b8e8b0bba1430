import { HfLinkError, parseHfLink, splitRefPath, type HfLink, type ParsedHfUrl } from '@d011dl/contract';
import { badRequest, HttpError } from '../http-errors.ts';
import type { HubClient } from './hub-client.ts';

const SHA = /^[0-9a-f]{7,40}$/;

/** '"feature", "feature/y" or "feature/y/z"': the names a link's segments could have meant. */
function triedNames(segments: readonly string[] | undefined, needPath: boolean): string | null {
  const n = (segments?.length ?? 0) - (needPath ? 1 : 0);
  if (!segments || n < 2) return null;
  const names = Array.from({ length: n }, (_, i) => `"${segments.slice(0, i + 1).join('/')}"`);
  const shown = names.length > 4 ? [...names.slice(0, 3), '…', names.at(-1)!] : names;
  return `${shown.slice(0, -1).join(', ')} or ${shown.at(-1)}`;
}

/** The shared parser (contract/src/hf-link.ts), its refusals as 400s. */
export function parseLink(url: string, extraHosts: readonly string[]): HfLink {
  try {
    return parseHfLink(url, { extraHosts });
  } catch (err) {
    if (err instanceof HfLinkError) throw badRequest(err.message, 'InvalidUrl');
    throw err;
  }
}

/**
 * Settles a parsed link against the repo as it is on the Hub: a branch or tag with "/" in it is the
 * longest prefix of the link's segments that names one ("tree/feature/x/dir" on a repo with branch
 * "feature/x"), and a revision that names nothing is a 404 that says so, before anyone browses it.
 */
export async function resolveLink(hub: Pick<HubClient, 'refs' | 'repoInfo'>, link: HfLink): Promise<ParsedHfUrl> {
  const { author, repo, kind } = link;
  const repoId = `${author}/${repo}`;
  // one call answers both "does the repo exist" (404 otherwise) and "which names are refs"
  const refs = await hub.refs(author, repo, true);
  const named = new Set([...refs.branches, ...refs.tags, ...(refs.converts ?? [])].flatMap((r) => [r.name, r.ref]));
  const prs = new Set((refs.pullRequests ?? []).map((r) => r.ref));

  let revision = link.revision;
  let path = link.path;
  if (link.refPath) {
    const split = splitRefPath(link.refPath, (name) => named.has(name), kind !== 'tree');
    if (split) {
      revision = split.revision;
      path = split.path;
    }
  }
  if (revision !== undefined && !named.has(revision) && !prs.has(revision)) {
    const pr = /^refs\/pr\/(\d+)$/.exec(revision);
    if (pr) throw new HttpError(404, 'RevisionNotFound', `${repoId} has no pull request #${pr[1]}.`);
    if (!SHA.test(revision)) {
      throw new HttpError(
        404,
        'RevisionNotFound',
        `${repoId} has no branch or tag ${triedNames(link.refPath, kind !== 'tree') ?? `"${revision}"`}. Pick one of its branches, tags or pull requests, or paste a commit id.`,
      );
    }
    // a commit id: the Hub says whether it is one of this repo's (404 RevisionNotFound otherwise)
    await hub.repoInfo(author, repo, revision);
  }
  const out: ParsedHfUrl = revision === undefined ? { author, repo, kind } : { author, repo, revision, kind };
  if (path) out.path = path;
  return out;
}
