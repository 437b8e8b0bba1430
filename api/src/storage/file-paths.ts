import path from 'node:path';

/** The final path of a repo file, refusing anything that would land outside the revision folder. */
export function finalPath(revisionDir: string, repoPath: string): string {
  const dest = path.resolve(revisionDir, ...repoPath.split('/'));
  if (!dest.startsWith(revisionDir + path.sep)) throw new Error(`refusing path outside the model folder: ${repoPath}`);
  return dest;
}

/** The Hub's download URL of a file at a commit, each path segment percent-encoded. */
export function resolveUrl(endpoint: string, author: string, repo: string, commit: string, repoPath: string): string {
  const p = repoPath.split('/').map(encodeURIComponent).join('/');
  return `${endpoint}/${encodeURIComponent(author)}/${encodeURIComponent(repo)}/resolve/${commit}/${p}`;
}
