// The Hub's tree listing is input like any other: a path from it becomes a path on the storage and a
// size becomes a disk-space promise. A listing that could not come from a real repo is refused (502)
// before anything is planned from it; HF_ENDPOINT may be a mirror or something pretending to be one.
import { HttpError } from '../http-errors.ts';
import type { HubTreeEntry } from './hub-client.ts';

const unsafe = (why: string) => new HttpError(502, 'HubUnsafeTree', `the Hub listed an unsafe path or size: ${why}; refusing its file list`);
const shown = (p: string) => JSON.stringify(p.length > 120 ? `${p.slice(0, 120)}…` : p);

/** Why a repo path from the Hub is unsafe to put on disk, or null when it is fine. */
export function unsafeRepoPath(p: unknown): string | null {
  if (typeof p !== 'string' || p === '') return 'an empty path';
  if (p.includes('\0')) return `${shown(p.replaceAll('\0', '\\0'))} contains a NUL byte`;
  if (p.includes('\\')) return `${shown(p)} contains a backslash`;
  if (p.startsWith('/')) return `${shown(p)} is absolute`;
  const parts = p.split('/');
  if (parts.some((s) => s === '')) return `${shown(p)} has an empty folder name`;
  if (parts.some((s) => s === '.' || s === '..')) return `${shown(p)} contains "." or ".."`;
  return null;
}

const isSize = (n: unknown) => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

/** Throws a 502 naming the first entry that could not come from a real repo. */
export function validateTreeEntries(entries: unknown[]): HubTreeEntry[] {
  for (const raw of entries) {
    const e = raw as Partial<HubTreeEntry> | null;
    if (!e || typeof e !== 'object') throw unsafe('an entry that is not an object');
    const bad = unsafeRepoPath(e.path);
    if (bad) throw unsafe(bad);
    if (e.type !== 'file' && e.type !== 'directory') throw unsafe(`${shown(e.path!)} has the unknown type ${JSON.stringify(e.type)}`);
    if (e.type === 'file') {
      if (!isSize(e.size)) throw unsafe(`${shown(e.path!)} has the size ${JSON.stringify(e.size)} (not a whole number of bytes ≥ 0)`);
      if (typeof e.oid !== 'string') throw unsafe(`${shown(e.path!)} has no object id`);
      if (e.lfs !== undefined && (typeof e.lfs !== 'object' || e.lfs === null || typeof e.lfs.oid !== 'string' || !isSize(e.lfs.size))) {
        throw unsafe(`${shown(e.path!)} has malformed LFS details`);
      }
    }
  }
  return entries as HubTreeEntry[];
}
