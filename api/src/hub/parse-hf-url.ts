import { HfNameSchema, RevisionSchema, type ParsedHfUrl } from '@d011dl/contract';
import { badRequest } from '../http-errors.ts';

const HUB_HOSTS = new Set(['huggingface.co', 'www.huggingface.co', 'hf.co']);
// Repo pages that are not files or folders: the repo is still what the user means.
const REPO_PAGES = new Set(['discussions', 'commits', 'community', 'settings', 'blame', 'raw']);
const FILE_VIEWS = new Set(['tree', 'blob', 'resolve']);

const fail = (why: string) => badRequest(`Not a Hugging Face model URL: ${why}`, 'InvalidUrl');

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

/**
 * Turns what a user pastes (a repo page, a folder, a file view or a download link, with or without
 * the scheme) into author/repo/revision/path. The path is split and checked on the raw text, before
 * any URL normalisation, so "a/../b" is refused rather than silently resolved.
 * `extraHosts`: the host:port of a self-hosted or simulated Hub endpoint, accepted like huggingface.co.
 */
export function parseHfUrl(input: string, extraHosts: readonly string[] = []): ParsedHfUrl {
  const text = input.trim();
  if (!text) throw fail('the URL is empty');
  if (text.includes('\\')) throw fail('backslashes are not allowed');
  const m = /^(?:([a-zA-Z][a-zA-Z0-9+.-]*):\/\/)?([^/?#]*)([^?#]*)/.exec(text);
  const scheme = m?.[1]?.toLowerCase();
  if (scheme && scheme !== 'https' && scheme !== 'http') throw fail(`"${scheme}://" links are not supported; use https://huggingface.co/…`);
  const authority = (m?.[2] ?? '').toLowerCase();
  if (authority.includes('@')) throw fail('user names in the URL are not allowed');
  let host: string;
  try {
    host = new URL(`https://${authority}`).host; // normalises a default :443
  } catch {
    throw fail(`"${authority}" is not a valid host`);
  }
  if (!HUB_HOSTS.has(host) && !extraHosts.includes(host)) {
    throw fail(`the host must be huggingface.co or hf.co, not "${host || '(none)'}"`);
  }

  const raw = (m?.[3] ?? '').split('/').filter((s, i, all) => !(s === '' && (i === 0 || i === all.length - 1)));
  if (raw.some((s) => s === '')) throw fail('the path has an empty segment ("//")');
  const segs = raw.map(decodeSegment);
  if (segs[0] === 'models') segs.shift();
  else if (segs[0] === 'datasets' || segs[0] === 'spaces') throw fail(`${segs[0]} are not supported, only model repos`);
  if (segs.length < 2) throw fail('it must name a repo, like https://huggingface.co/<author>/<repo>');

  const author = checkName(segs[0]!, 'author');
  const repo = checkName(segs[1]!, 'repo');
  const view = segs[2];
  if (view === undefined || REPO_PAGES.has(view)) return { author, repo, kind: 'repo' };
  if (!FILE_VIEWS.has(view)) throw fail(`"/${view}" is not a repo, folder or file link`);

  const rest = segs.slice(3);
  if (rest.length === 0) {
    if (view === 'tree') return { author, repo, kind: 'tree' };
    throw fail(`a /${view}/ link must name a revision and a file`);
  }
  // refs/pr/N and refs/convert/X contain slashes yet are one revision (as the Hub's own parser does)
  let revision: string;
  if (rest[0] === 'refs' && ((rest[1] === 'pr' && /^\d+$/.test(rest[2] ?? '')) || (rest[1] === 'convert' && rest[2]))) {
    revision = rest.splice(0, 3).join('/');
  } else {
    revision = rest.shift()!;
  }
  const rev = RevisionSchema.safeParse(revision);
  if (!rev.success) throw fail(`revision "${revision}" ${rev.error.issues[0]?.message ?? 'is invalid'}`);
  const path = rest.join('/');
  if (view !== 'tree' && !path) throw fail(`a /${view}/ link must name a file after the revision`);
  const kind = view as 'tree' | 'blob' | 'resolve';
  return path ? { author, repo, revision, path, kind } : { author, repo, revision, kind };
}
