// Parses a /mirror request from its raw, still-encoded path, as the Hub does: Python sends revisions
// and tree sub-paths %2F-encoded (refs%2Fpr%2F1, sub%2Fdir), JS listFiles sends them raw (refs/pr/1),
// so the path is split on "/" first and each segment decoded after (docs/hub-protocol.md).

export type MirrorCall =
  | { kind: 'info'; repoId: RepoId; rev: string }
  | { kind: 'refs'; repoId: RepoId }
  | { kind: 'tree'; repoId: RepoId; rev: string; path: string }
  | { kind: 'paths-info'; repoId: RepoId; rev: string }
  | { kind: 'resolve'; repoId: RepoId; rev: string; path: string }
  /** datasets, spaces, unknown routes: nothing the library holds */
  | { kind: 'unknown'; what: string }
  /** a repo type the library never holds (datasets, spaces): answered as an unknown repo */
  | { kind: 'no-repo'; what: string };

export interface RepoId {
  author: string;
  repo: string;
}

/** A segment that cannot be decoded, or decodes to something no name or path can hold. */
export class BadSegment extends Error {}

function decode(seg: string): string {
  let v: string;
  try {
    v = decodeURIComponent(seg);
  } catch {
    throw new BadSegment(`"${seg}" is not valid percent-encoding`);
  }
  if (v.includes('\0')) throw new BadSegment('a name or path cannot contain NUL');
  return v;
}

// Hub repo names: letters, digits, "-", "_", "."; never "." or ".." (docs/hub-protocol.md)
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/;
const nameOk = (n: string) => NAME.test(n) && !n.includes('..');

/** The revision (one segment; refs/pr/N and refs/convert/X also unencoded) and the path after it. */
function takeRevision(rest: string[]): { rev: string; path: string } | null {
  if (!rest[0]) return null;
  let rev = decode(rest[0]);
  let used = 1;
  if (rev === 'refs' && rest.length >= 3) {
    const kind = decode(rest[1]!);
    const arg = decode(rest[2]!);
    if ((kind === 'pr' && /^\d+$/.test(arg)) || (kind === 'convert' && /^[\w.-]+$/.test(arg))) {
      rev = `refs/${kind}/${arg}`;
      used = 3;
    }
  }
  const parts = rest.slice(used).map(decode);
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return { rev, path: parts.join('/') };
}

/** `rawPath` is everything after `/mirror`, without the query. */
export function parseMirrorPath(method: string, rawPath: string): MirrorCall {
  const segs = rawPath.split('/').slice(1);
  const unknown = { kind: 'unknown', what: rawPath } as const;
  if (segs[0] === 'api') {
    const [, type, author = '', repo = '', action, ...args] = segs;
    if (type === 'datasets' || type === 'spaces' || type === 'kernels') return { kind: 'no-repo', what: rawPath };
    if (type !== 'models') return unknown;
    const repoId = { author: decode(author), repo: decode(repo) };
    if (!nameOk(repoId.author) || !nameOk(repoId.repo)) return { kind: 'no-repo', what: rawPath };
    if (action === undefined || action === '') return method === 'GET' ? { kind: 'info', repoId, rev: 'main' } : unknown;
    // the whole remainder is the revision here: raw "/" is accepted too
    const whole = args.map(decode).join('/');
    if (action === 'revision' && method === 'GET' && whole) return { kind: 'info', repoId, rev: whole };
    if (action === 'refs' && args.length === 0 && method === 'GET') return { kind: 'refs', repoId };
    if (action === 'paths-info' && method === 'POST' && whole) return { kind: 'paths-info', repoId, rev: whole };
    if (action === 'tree' && method === 'GET') {
      const t = takeRevision(args);
      return t ? { kind: 'tree', repoId, ...t } : unknown;
    }
    return unknown;
  }
  // /{author}/{repo}/resolve/{rev}/{path}; datasets/ and spaces/ prefixes are never in the library
  if (segs[0] === 'datasets' || segs[0] === 'spaces') return { kind: 'no-repo', what: rawPath };
  const [author = '', repo = '', action, ...args] = segs;
  if (action !== 'resolve' || (method !== 'GET' && method !== 'HEAD')) return unknown;
  const repoId = { author: decode(author), repo: decode(repo) };
  if (!nameOk(repoId.author) || !nameOk(repoId.repo)) return { kind: 'no-repo', what: rawPath };
  const t = takeRevision(args);
  return t?.path ? { kind: 'resolve', repoId, ...t } : unknown;
}
