import path from 'node:path';

/** The final path of a repo file, refusing anything that would land outside the revision folder. */
export function finalPath(revisionDir: string, repoPath: string): string {
  const dest = path.resolve(revisionDir, ...repoPath.split('/'));
  if (!dest.startsWith(revisionDir + path.sep)) throw new Error(`refusing path outside the model folder: ${repoPath}`);
  return dest;
}

export { resolveUrl } from '../hub/resolve-url.ts';
