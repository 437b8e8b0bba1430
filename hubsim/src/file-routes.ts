// /{repo}/resolve/{rev}/{path}, /{repo}/raw/{rev}/{path} and /api/resolve-cache/... on the hub.
import type { OutgoingHttpHeaders } from 'node:http';
import { checkGate, checkRepoVisible, viewerOf } from './access.ts';
import { bufferSource, lfsSource, sendBody, sendError } from './body.ts';
import type { HubError, RequestContext } from './context.ts';
import { lfsPointer } from './git.ts';
import { contentDisposition, encodePath, headerSafe } from './http-util.ts';
import type { Commit, FileNode, Repo, RepoType } from './repo-store.ts';
import { takeRevision } from './revision.ts';
import { serveFile } from './serve-file.ts';

export function hubBaseUrl(ctx: RequestContext): string {
  return `http://${ctx.req.headers.host ?? 'localhost'}`;
}

export function revisionNotFound(rev: string): HubError {
  return { status: 404, code: 'RevisionNotFound', message: `Invalid rev id: ${rev}` };
}

function entryNotFound(commit: Commit): HubError {
  // the commit lets Python clients cache the miss (.no_exist/<commit>/<path>)
  return { status: 404, code: 'EntryNotFound', message: 'Entry not found', headers: { 'X-Repo-Commit': commit.sha } };
}

const NOT_FOUND: HubError = { status: 404, message: 'Not Found' };

type Located = { repo: Repo; commit: Commit; node: FileNode; rev: string; path: string };

/** Common checks in the Hub's order: token, repo visibility, gate, revision, entry. */
async function locate(ctx: RequestContext, type: RepoType, id: string, rev: string | undefined, path: string): Promise<Located | HubError> {
  const { store } = ctx.sim;
  const viewer = viewerOf(ctx.req, store.tokens);
  const repo = store.find(type, id);
  const hidden = checkRepoVisible(repo, viewer);
  if (hidden || !repo) return hidden ?? NOT_FOUND;
  const gated = checkGate(repo, viewer, hubBaseUrl(ctx));
  if (gated) return gated;
  if (rev === undefined) return NOT_FOUND;
  const commit = store.resolve(repo, rev);
  if (!commit) return revisionNotFound(rev);
  const node = commit.files.get(path);
  if (!node) return entryNotFound(commit);
  await store.ensureHashed([node]);
  return { repo, commit, node, rev, path };
}

function fileSource(node: FileNode) {
  return node.lfs ? lfsSource(node.seed ?? '', node.size) : bufferSource(node.content ?? Buffer.alloc(0));
}

/** What every resolve response (redirect or 200) carries; the ETag is the cache identity (docs/hub-protocol.md#file-identity). */
function resolveHeaders(found: Located): { etag: string; headers: OutgoingHttpHeaders } {
  const { node, commit, path } = found;
  const etag = node.lfs ? (node.sha256 ?? '') : (node.oid ?? '');
  return {
    etag,
    headers: {
      'X-Repo-Commit': commit.sha,
      'X-Linked-Etag': `"${etag}"`,
      ETag: `"${etag}"`,
      'Accept-Ranges': 'bytes',
      'Content-Disposition': contentDisposition(path),
    },
  };
}

export async function handleResolve(ctx: RequestContext, type: RepoType, id: string, rest: string[], mode: 'resolve' | 'raw'): Promise<void> {
  const parsed = takeRevision(rest);
  const found = await locate(ctx, type, id, parsed?.rev, parsed?.path ?? '');
  if (!('node' in found)) return sendError(ctx, found);
  const { repo, commit, node, rev, path } = found;

  if (mode === 'raw') {
    // the git blob itself: the pointer for LFS files, identified by the tree oid
    const blob = node.lfs ? lfsPointer(node.sha256 ?? '', node.size) : (node.content ?? Buffer.alloc(0));
    return serveFile(
      ctx,
      bufferSource(blob),
      node.oid ?? '',
      { 'X-Repo-Commit': commit.sha, 'Content-Disposition': contentDisposition(path) },
      { compressible: true },
    );
  }

  const { etag, headers } = resolveHeaders(found);
  // served directly, like the Hub does for private/gated repos and empty files (docs/hub-protocol.md#resolve)
  if (repo.spec.private || repo.spec.gated || node.size === 0) {
    return serveFile(ctx, fileSource(node), etag, headers, { compressible: !node.lfs });
  }
  const prefix = type === 'dataset' ? 'datasets/' : '';
  let status: number;
  let location: string;
  if (!node.lfs) {
    // relative, same host: clients follow it (and must succeed even if they drop the query)
    const original = `/${prefix}${repo.id}/resolve/${rev}/${path}`;
    location =
      `/api/resolve-cache/${type}s/${repo.id}/${commit.sha}/${encodePath(path)}` + `?${encodeURIComponent(original)}=&etag=${encodeURIComponent(`"${etag}"`)}`;
    status = 307;
  } else {
    // repo/commit/path are hubsim's own (fault rules match `path=`); the bridge's URLs carry only the signature
    let query = new URLSearchParams({ repo: `${prefix}${repo.id}`, commit: commit.sha, path });
    const cdnPath = `/lfs/${node.sha256 ?? ''}`;
    const { signedUrls, urlTtlSeconds } = ctx.sim.live.settings;
    if (signedUrls !== 'off') query = ctx.sim.signer.sign(cdnPath, query, signedUrls, urlTtlSeconds);
    location = `${ctx.sim.cdnUrl}${cdnPath}?${query}`;
    status = 302;
  }
  const text = `${status === 307 ? 'Temporary Redirect' : 'Found'}. Redirecting to ${location}`;
  return sendBody(
    ctx,
    status,
    // octet-stream like every other resolve response: the body is a courtesy, clients read the headers
    { ...headers, Location: headerSafe(location), 'X-Linked-Size': node.size, 'Content-Type': 'application/octet-stream' },
    bufferSource(Buffer.from(text)),
  );
}

/** /api/resolve-cache/{type}s/{ns}/{name}/{commit}/{path}: the target of regular files' 307 (query optional). */
export async function handleResolveCache(ctx: RequestContext, type: RepoType, id: string, rest: string[]): Promise<void> {
  const parsed = takeRevision(rest);
  const found = await locate(ctx, type, id, parsed?.rev, parsed?.path ?? '');
  if (!('node' in found)) return sendError(ctx, found);
  const { etag, headers } = resolveHeaders(found);
  return serveFile(ctx, fileSource(found.node), etag, headers, { compressible: !found.node.lfs });
}
