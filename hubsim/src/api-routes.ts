// /api/{models|datasets}/{ns}/{name}[...]: repo info, refs, tree (paginated) and paths-info.
import { checkGate, checkRepoVisible, viewerOf } from './access.ts';
import { sendError, sendJson } from './body.ts';
import type { RequestContext } from './context.ts';
import { hubBaseUrl, revisionNotFound } from './file-routes.ts';
import { lfsPointerSize } from './git.ts';
import { BadRequest, queryBool, readBody } from './http-util.ts';
import type { Commit, Repo, RepoType } from './repo-store.ts';
import { takeRevision, wholeRevision } from './revision.ts';
import { treeEntry } from './tree-entries.ts';

const NOT_FOUND = { status: 404, message: 'Not Found' };
const MAX_PATHS_INFO = 1000;

export async function handleRepoApi(ctx: RequestContext, type: RepoType, id: string, rest: string[]): Promise<void> {
  const { store } = ctx.sim;
  const method = ctx.req.method ?? 'GET';
  const repo = store.find(type, id);
  const viewer = viewerOf(ctx.req, store.tokens);
  const hidden = checkRepoVisible(repo, viewer);
  if (hidden || !repo) return sendError(ctx, hidden ?? NOT_FOUND);
  const [action, ...args] = rest;
  if (action === 'auth-check' && args.length === 0 && method === 'GET') {
    // one API call that says whether this token may download the files (docs/hub-protocol.md#errors)
    const gated = checkGate(repo, viewer, hubBaseUrl(ctx));
    return gated ? sendError(ctx, gated) : sendJson(ctx, 200, {});
  }
  if (action === undefined || action === '') return method === 'GET' ? info(ctx, repo, 'main') : notAllowed(ctx);
  if (action === 'revision' && method === 'GET') {
    const rev = wholeRevision(args);
    return rev === undefined ? sendError(ctx, NOT_FOUND) : info(ctx, repo, rev);
  }
  if (action === 'refs' && args.length === 0 && method === 'GET') return refs(ctx, repo);
  if (action === 'tree' && method === 'GET') return tree(ctx, repo, args);
  if (action === 'paths-info' && method === 'POST') return pathsInfo(ctx, repo, args);
  return sendError(ctx, NOT_FOUND);
}

function notAllowed(ctx: RequestContext): Promise<void> {
  return sendError(ctx, { status: 405, message: 'Method Not Allowed' });
}

async function info(ctx: RequestContext, repo: Repo, rev: string): Promise<void> {
  const commit = ctx.sim.store.resolve(repo, rev);
  if (!commit) return sendError(ctx, revisionNotFound(rev));
  const blobs = queryBool(ctx.url.query.get('blobs')) === true;
  const files = commit.all.flatMap((p) => commit.files.get(p) ?? []);
  if (blobs) await ctx.sim.store.ensureHashed(files);
  const spec = repo.spec;
  // `expand` asks for a subset; a superset is harmless to every client, so it is ignored
  const body: Record<string, unknown> = {
    _id: repo.mongoId,
    id: repo.id,
    author: repo.id.split('/')[0],
    sha: commit.sha,
    lastModified: commit.date,
    createdAt: repo.createdAt,
    private: spec.private === true,
    gated: spec.gated ?? false,
    disabled: false,
    tags: spec.tags ?? [],
    downloads: spec.downloads ?? 0,
    likes: spec.likes ?? 0,
    ...(spec.libraryName ? { library_name: spec.libraryName } : {}),
    ...(spec.pipelineTag ? { pipeline_tag: spec.pipelineTag } : {}),
    siblings: files.map((f) =>
      blobs
        ? {
            rfilename: f.path,
            blobId: f.oid,
            size: f.size,
            // `sha256` here, `oid` in /tree (docs/hub-protocol.md#tree)
            ...(f.lfs ? { lfs: { sha256: f.sha256, size: f.size, pointerSize: lfsPointerSize(f.size) } } : {}),
          }
        : { rfilename: f.path },
    ),
    usedStorage: files.reduce((sum, f) => sum + f.size, 0),
  };
  return sendJson(ctx, 200, body);
}

function refs(ctx: RequestContext, repo: Repo): Promise<void> {
  const list = (m: Map<string, Commit>, prefix: string) => [...m].map(([name, c]) => ({ name, ref: `${prefix}${name}`, targetCommit: c.sha }));
  // all three keys always present: Python indexes them unconditionally
  const body: Record<string, unknown> = {
    branches: list(repo.branches, 'refs/heads/'),
    converts: [],
    tags: list(repo.tags, 'refs/tags/'),
  };
  if (queryBool(ctx.url.query.get('include_prs'))) body.pullRequests = list(repo.pullRequests, 'refs/pr/');
  return sendJson(ctx, 200, body);
}

async function tree(ctx: RequestContext, repo: Repo, args: string[]): Promise<void> {
  const parsed = takeRevision(args);
  if (!parsed) return sendError(ctx, NOT_FOUND);
  const commit = ctx.sim.store.resolve(repo, parsed.rev);
  if (!commit) return sendError(ctx, revisionNotFound(parsed.rev));
  const dir = parsed.path;
  if (dir !== '' && !commit.dirs.has(dir)) {
    return sendError(ctx, { status: 404, code: 'EntryNotFound', message: `Entry not found: ${dir}`, headers: { 'X-Repo-Commit': commit.sha } });
  }
  const q = ctx.url.query;
  const recursive = queryBool(q.get('recursive')) === true;
  const expand = queryBool(q.get('expand')) === true;
  const maxPage = expand ? Math.min(50, ctx.sim.pageSize) : ctx.sim.pageSize;
  const limitParam = Number(q.get('limit') ?? NaN);
  const pageSize = Number.isInteger(limitParam) && limitParam > 0 ? Math.min(limitParam, maxPage) : maxPage;
  const offset = decodeCursor(q.get('cursor'));
  const paths = recursive ? (dir === '' ? commit.all : commit.all.filter((p) => p.startsWith(`${dir}/`))) : (commit.children.get(dir) ?? []);
  const page = paths.slice(offset, offset + pageSize);
  await ctx.sim.store.ensureHashed(page.flatMap((p) => commit.files.get(p) ?? []));
  const entries = page.map((p) => treeEntry(commit, p, expand));
  const headers: Record<string, string> = {};
  if (offset + pageSize < paths.length) {
    // absolute, pointing back at this server, exactly `<url>; rel="next"` (JS parses it with a strict regex)
    const next = new URLSearchParams(ctx.url.rawQuery);
    next.delete('cursor');
    next.set('limit', String(pageSize));
    next.set('cursor', encodeCursor(offset + pageSize));
    headers.Link = `<${hubBaseUrl(ctx)}${ctx.url.rawPath}?${next}>; rel="next"`;
  }
  return sendJson(ctx, 200, entries, headers);
}

function encodeCursor(offset: number): string {
  return Buffer.from(JSON.stringify({ file_offset: offset })).toString('base64url');
}

function decodeCursor(cursor: string | null): number {
  if (cursor === null) return 0;
  try {
    const v = (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { file_offset?: unknown }).file_offset;
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  } catch {
    // fall through
  }
  throw new BadRequest('Invalid cursor');
}

async function pathsInfo(ctx: RequestContext, repo: Repo, args: string[]): Promise<void> {
  const rev = wholeRevision(args);
  if (rev === undefined) return sendError(ctx, NOT_FOUND);
  const commit = ctx.sim.store.resolve(repo, rev);
  if (!commit) return sendError(ctx, revisionNotFound(rev));
  const { paths, expand } = parsePathsInfoBody(ctx.req.headers['content-type'] ?? '', await readBody(ctx.req));
  if (paths.length > MAX_PATHS_INFO) {
    return sendError(ctx, { status: 413, message: `Too many paths: ${paths.length} in one paths-info request; at most ${MAX_PATHS_INFO} are allowed.` });
  }
  // missing paths are left out; trailing slashes are tolerated
  const wanted = [...new Set(paths.map((p) => p.replace(/\/+$/, '')))];
  await ctx.sim.store.ensureHashed(wanted.flatMap((p) => commit.files.get(p) ?? []));
  const entries = wanted.flatMap((p) => treeEntry(commit, p, expand) ?? []);
  return sendJson(ctx, 200, entries);
}

/** Python sends a form (`paths=a&paths=b&expand=false`), JS sends JSON (`{"paths": [...], "expand": true}`). */
function parsePathsInfoBody(contentType: string, body: Buffer): { paths: string[]; expand: boolean } {
  const text = body.toString('utf8');
  if (contentType.includes('application/json') || /^\s*\{/.test(text)) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new BadRequest('Invalid JSON body');
    }
    const o = (json ?? {}) as { paths?: unknown; expand?: unknown };
    const raw = typeof o.paths === 'string' ? [o.paths] : Array.isArray(o.paths) ? o.paths : [];
    const expand = o.expand === true || queryBool(typeof o.expand === 'string' ? o.expand : undefined) === true;
    return { paths: raw.filter((p): p is string => typeof p === 'string'), expand };
  }
  const form = new URLSearchParams(text);
  return {
    paths: [...form.getAll('paths'), ...form.getAll('paths[]')],
    expand: queryBool(form.get('expand')) === true,
  };
}
