import { decodeSegment } from './http-util.ts';

/**
 * Splits raw segments after `resolve|raw|tree` into revision and path. The revision is one segment
 * (a "/" inside it must be %2F-encoded), except refs/pr/<n> and refs/convert/<name>, which clients
 * such as JS listFiles send unencoded and the Hub matches eagerly.
 */
export function takeRevision(rest: string[]): { rev: string; path: string } | undefined {
  const first = rest[0];
  if (first === undefined || first === '') return undefined;
  let rev = decodeSegment(first);
  let used = 1;
  const [, kind, arg] = rest;
  if (rev === 'refs' && kind !== undefined && arg !== undefined) {
    const name = decodeSegment(arg);
    if ((kind === 'pr' && /^\d+$/.test(name)) || (kind === 'convert' && /^[\w.-]+$/.test(name))) {
      rev = `refs/${kind}/${name}`;
      used = 3;
    }
  }
  return { rev, path: joinPath(rest.slice(used)) };
}

/** The whole remainder as a revision (`/revision/{rev}`, `/paths-info/{rev}`): raw "/" is accepted too. */
export function wholeRevision(rest: string[]): string | undefined {
  const rev = rest.map(decodeSegment).join('/');
  return rev === '' ? undefined : rev;
}

/** Decoded repo path; a trailing slash is ignored. Empty segments are kept so lookups fail. */
export function joinPath(segments: string[]): string {
  const parts = segments.map(decodeSegment);
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts.join('/');
}
