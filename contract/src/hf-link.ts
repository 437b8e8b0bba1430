// Every way people name a Hugging Face model, read into author/repo/revision/path. Pure (no I/O): the
// API (api/src/hub/resolve-link.ts) settles a branch or tag with "/" in it against the repo's real refs,
// and clients use the same code for a first check before asking the API.
import { HfNameSchema, RevisionSchema } from './names.ts';

export const HF_HUB_HOSTS: readonly string[] = ['huggingface.co', 'www.huggingface.co', 'hf.co'];

/** A link or name that is not one of a model repo; `message` is meant for the person who pasted it. */
export class HfLinkError extends Error {
  constructor(why: string) {
    super(`Not a Hugging Face model link: ${why}`);
    this.name = 'HfLinkError';
  }
}

export type HfLinkKind = 'repo' | 'tree' | 'blob' | 'resolve';

export interface HfLink {
  author: string;
  repo: string;
  kind: HfLinkKind;
  /** The revision as the text reads at first sight (the first segment after /tree/, /blob/…). */
  revision?: string;
  path?: string;
  /**
   * The decoded segments after /tree|blob|resolve/ when a branch or tag with "/" in it could hide in
   * them ("tree/feature/x/dir"): which prefix is the revision only the repo's refs tell (splitRefPath).
   * Absent when the text settles it: refs/pr/N, a "%2F"-encoded revision, /discussions/N, one segment.
   */
  refPath?: string[];
}

export interface ParseHfLinkOptions {
  /** host[:port] of a self-hosted or simulated Hub endpoint, accepted like huggingface.co. */
  extraHosts?: readonly string[];
  /** Accept any host (a client's first check; the API, which knows its endpoint, checks the host). */
  anyHost?: boolean;
}

// Repo pages that are not files or folders: the repo is still what the user means.
const REPO_PAGES = new Set(['discussions', 'commits', 'community', 'settings', 'blame', 'raw']);
const FILE_VIEWS = new Set(['tree', 'blob', 'resolve']);
// A first segment read as a host when there is no scheme: a dotted name ending in letters, or host:port.
// Anything else is the author of a bare "author/repo" (what the Hub's "copy model name" gives).
const HOST_LIKE = /^(?:[^/]*:\d*|[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,})$/i;
const PR_NUMBER = /^\d{1,9}$/;

const fail = (why: string) => new HfLinkError(why);

function decodeSegment(raw: string): string {
  let s: string;
  try {
    s = decodeURIComponent(raw);
  } catch {
    throw fail(`"${raw}" is not valid percent-encoding`);
  }
  if (s === '.' || s === '..') throw fail('"." and ".." are not allowed in the path');
  if (/[\u0000-\u001f\u007f\\]/.test(s)) throw fail('control characters and backslashes are not allowed');
  return s;
}

function checkName(value: string, what: 'author' | 'repo'): string {
  const r = HfNameSchema.safeParse(value);
  if (!r.success) throw fail(`${what} "${value}" ${r.error.issues[0]?.message ?? 'is invalid'}`);
  return value;
}

function checkRevision(revision: string): string {
  const r = RevisionSchema.safeParse(revision);
  if (!r.success) throw fail(`revision "${revision}" ${r.error.issues[0]?.message ?? 'is invalid'}`);
  return revision;
}

/** The raw path of `text` (before "?" and "#"), with the host checked when there is one. */
function rawPath(text: string, opts: ParseHfLinkOptions): string {
  const m = /^(?:([a-zA-Z][a-zA-Z0-9+.-]*):\/\/)?([^/?#]*)([^?#]*)/.exec(text);
  const scheme = m?.[1]?.toLowerCase();
  if (scheme && scheme !== 'https' && scheme !== 'http') throw fail(`"${scheme}://" links are not supported; use https://huggingface.co/…`);
  // "javascript:…", "mailto:…": a scheme without "//" (host:port has digits after the colon)
  const opaque = !scheme && /^([a-z][a-z0-9+.-]*):(?!\d)/i.exec(text);
  if (opaque) throw fail(`"${opaque[1]!.toLowerCase()}:" links are not supported; use https://huggingface.co/…`);
  const authority = (m?.[2] ?? '').toLowerCase();
  const pathPart = m?.[3] ?? '';
  // "acme/tiny-model" (no scheme, no host): a bare repo id, read as a path
  if (!scheme && authority && !HOST_LIKE.test(authority) && !authority.includes('@') && !HF_HUB_HOSTS.includes(authority)) {
    return `/${m?.[2] ?? ''}${pathPart}`;
  }
  if (authority.includes('@')) throw fail('user names in the URL are not allowed');
  let host: string;
  try {
    host = new URL(`https://${authority}`).host; // normalises a default :443
  } catch {
    throw fail(`"${authority}" is not a valid host`);
  }
  if (!opts.anyHost && !HF_HUB_HOSTS.includes(host) && !(opts.extraHosts ?? []).includes(host)) {
    throw fail(`the host must be huggingface.co or hf.co, not "${host || '(none)'}"`);
  }
  return pathPart;
}

/**
 * Reads what a user pastes: a bare `author/repo`, a repo page, a folder, a file view, a download
 * link or a pull request, with or without the scheme. The path is split and checked on the raw text,
 * before any URL normalisation, so "a/../b" is refused rather than silently resolved.
 * Throws HfLinkError with words for the person who pasted it.
 */
export function parseHfLink(input: string, opts: ParseHfLinkOptions = {}): HfLink {
  const text = input.trim();
  if (!text) throw fail('the link is empty');
  if (text.includes('\\')) throw fail('backslashes are not allowed');
  const pathPart = rawPath(text, opts);

  const raw = pathPart.split('/').filter((s, i, all) => !(s === '' && (i === 0 || i === all.length - 1)));
  if (raw.some((s) => s === '')) throw fail('the path has an empty segment ("//")');
  const segs = raw.map(decodeSegment);
  if (segs[0] === 'models') {
    segs.shift();
    raw.shift();
  } else if (segs[0] === 'datasets' || segs[0] === 'spaces') throw fail(`${segs[0]} are not supported, only model repos`);
  if (segs.length < 2) throw fail('it must name a repo, like author/repo or https://huggingface.co/author/repo');

  const author = checkName(segs[0]!, 'author');
  const repo = checkName(segs[1]!, 'repo');
  const view = segs[2];
  // a pull request's page (and its "Files changed" tab) means the PR's head: refs/pr/N
  if (view === 'discussions' && segs[3] !== undefined && PR_NUMBER.test(segs[3])) {
    return { author, repo, revision: `refs/pr/${Number(segs[3])}`, kind: 'tree' };
  }
  if (view === 'commit' && segs[3] !== undefined && /^[0-9a-f]{7,40}$/i.test(segs[3])) {
    return { author, repo, revision: segs[3].toLowerCase(), kind: 'tree' };
  }
  if (view === undefined || REPO_PAGES.has(view)) return { author, repo, kind: 'repo' };
  if (!FILE_VIEWS.has(view)) throw fail(`"/${view}" is not a repo, folder or file link`);

  const rest = segs.slice(3);
  const rawRest = raw.slice(3);
  if (rest.length === 0) {
    if (view === 'tree') return { author, repo, kind: 'tree' };
    throw fail(`a /${view}/ link must name a revision and a file`);
  }
  // refs/pr/N and refs/convert/X contain slashes yet are one revision (as the Hub's own parser does)
  let revision: string;
  let refPath: string[] | undefined;
  if (rest[0] === 'refs' && ((rest[1] === 'pr' && PR_NUMBER.test(rest[2] ?? '')) || (rest[1] === 'convert' && rest[2]))) {
    revision = rest.splice(0, 3).join('/');
  } else {
    // "%2F" in the first segment: the person spelled the whole revision out
    if (rest.length > 1 && !/%2f/i.test(rawRest[0] ?? '')) refPath = [...rest];
    revision = rest.shift()!;
  }
  checkRevision(revision);
  const path = rest.join('/');
  if (view !== 'tree' && !path) throw fail(`a /${view}/ link must name a file after the revision`);
  const kind = view as HfLinkKind;
  const out: HfLink = { author, repo, revision, kind };
  if (path) out.path = path;
  if (refPath) out.refPath = refPath;
  return out;
}

/**
 * Splits `segments` (HfLink.refPath) into revision and path by the longest prefix that `isRef` knows
 * (a branch or tag, "feature/x" before "feature"); null when no prefix names a ref. A /blob/ or
 * /resolve/ link keeps at least one segment for the file (`needPath`).
 */
export function splitRefPath(segments: readonly string[], isRef: (name: string) => boolean, needPath = false): { revision: string; path?: string } | null {
  for (let n = segments.length - (needPath ? 1 : 0); n >= 1; n--) {
    const revision = segments.slice(0, n).join('/');
    if (!isRef(revision)) continue;
    const path = segments.slice(n).join('/');
    return path ? { revision, path } : { revision };
  }
  return null;
}
