// A file's download URL on the Hub (docs/hub-protocol.md#resolve): the one place it is built, for the
// job runner, the access check, the engine tests and the benchmark.

/** `<endpoint>/<author>/<repo>/resolve/<revision>/<path>`, each part percent-encoded, the path per segment. */
export function resolveUrl(endpoint: string, author: string, repo: string, revision: string, repoPath: string): string {
  const p = repoPath.split('/').map(encodeURIComponent).join('/');
  return `${endpoint.replace(/\/+$/, '')}/${encodeURIComponent(author)}/${encodeURIComponent(repo)}/resolve/${encodeURIComponent(revision)}/${p}`;
}

/** The same for a repo id "author/repo". */
export function resolveUrlOf(endpoint: string, repoId: string, revision: string, repoPath: string): string {
  const slash = repoId.indexOf('/');
  return resolveUrl(endpoint, repoId.slice(0, slash), repoId.slice(slash + 1), revision, repoPath);
}
