import path from 'node:path';

/**
 * A server path under the storage root as people reach it (STORAGE_DISPLAY_ROOT): `\\nas\models` gives
 * `\\nas\models\acme\tiny\main`. Without a display root, or for a path outside the root, the path itself.
 */
export function displayPath(localPath: string, storageRoot: string, displayRoot: string | null): string {
  if (!displayRoot) return localPath;
  const rel = path.relative(storageRoot, localPath);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return localPath;
  // a Windows share is written with backslashes throughout; anything else with slashes
  const sep = displayRoot.includes('\\') && !displayRoot.includes('/') ? '\\' : '/';
  const base = displayRoot.replace(/[\\/]+$/, '');
  return rel ? `${base}${sep}${rel.split(path.sep).join(sep)}` : base || sep;
}
