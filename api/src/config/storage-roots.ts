// STORAGE_ROOTS=fast=/mnt/ssd/models,nas=/media/models: named roots beside the default one (STORAGE_ROOT,
// named "default"). A root inside another would let a scan of the outer one find the inner one's folders
// as models of its own, so roots must be disjoint.
import path from 'node:path';
import type { StorageRootConfig } from './config.ts';

export const DEFAULT_ROOT = 'default';
const NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;

function pairs(v: string | undefined, what: string): Array<[string, string]> | string {
  if (!v) return [];
  const out: Array<[string, string]> = [];
  for (const item of v
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)) {
    const eq = item.indexOf('=');
    if (eq <= 0 || eq === item.length - 1) return `${what}: "${item}" is not name=value (e.g. fast=/mnt/ssd/models)`;
    out.push([item.slice(0, eq).trim(), item.slice(eq + 1).trim()]);
  }
  return out;
}

const inside = (a: string, b: string) => a === b || a.startsWith(b + path.sep);

/** The roots, or a message naming the bad variable. */
export function parseStorageRoots(
  defaultPath: string,
  defaultDisplay: string | null,
  rootsVar: string | undefined,
  displaysVar: string | undefined,
): StorageRootConfig[] | string {
  const roots: StorageRootConfig[] = [{ name: DEFAULT_ROOT, path: defaultPath, displayRoot: defaultDisplay }];
  const named = pairs(rootsVar, 'STORAGE_ROOTS');
  if (typeof named === 'string') return named;
  for (const [name, p] of named) {
    if (!NAME.test(name)) return `STORAGE_ROOTS: "${name}" is not a valid root name (lower-case letters, digits, "-" and "_", up to 32)`;
    if (roots.some((r) => r.name === name)) return `STORAGE_ROOTS: the name "${name}" is used twice ("default" is STORAGE_ROOT's)`;
    if (!path.isAbsolute(p)) return `STORAGE_ROOTS: the path of "${name}" must be absolute, got "${p}"`;
    const resolved = path.resolve(p);
    const clash = roots.find((r) => inside(resolved, r.path) || inside(r.path, resolved));
    if (clash) return `STORAGE_ROOTS: "${name}" (${resolved}) overlaps the root "${clash.name}" (${clash.path}); roots must not contain each other`;
    roots.push({ name, path: resolved, displayRoot: null });
  }
  const displays = pairs(displaysVar, 'STORAGE_DISPLAY_ROOTS');
  if (typeof displays === 'string') return displays;
  for (const [name, d] of displays) {
    const root = roots.find((r) => r.name === name);
    if (!root) return `STORAGE_DISPLAY_ROOTS: there is no storage root named "${name}" (roots: ${roots.map((r) => r.name).join(', ')})`;
    root.displayRoot = d;
  }
  return roots;
}
