import path from 'node:path';

// Folder under STORAGE_ROOT for D011DL's own files (logs, probes). Hugging Face names start with a
// letter or digit, so no author can ever be called ".d011dl".
export const INTERNAL_DIR = '.d011dl';

// A revision such as "refs/pr/1" is one folder ("refs%2Fpr%2F1"), never nested folders; "%" is
// encoded first so the mapping stays reversible.
export const revisionFolder = (revision: string) => revision.replaceAll('%', '%25').replaceAll('/', '%2F');

export function modelDir(storageRoot: string, author: string, repo: string, revision: string): string {
  return path.join(storageRoot, author, repo, revisionFolder(revision));
}
