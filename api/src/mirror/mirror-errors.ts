// Mirror answers in the Hub's error shape: the code in X-Error-Code (clients map it to their own
// exceptions: RepoNotFound, RevisionNotFound, EntryNotFound), the text in X-Error-Message (a HEAD has
// no body) and in the JSON body's `error` (docs/hub-protocol.md#errors).
export class MirrorError extends Error {
  readonly status: number;
  readonly code: string | null;
  readonly headers: Record<string, string>;
  constructor(status: number, code: string | null, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'MirrorError';
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

export const repoNotFound = (id: string, why = 'is not in this library') =>
  new MirrorError(404, 'RepoNotFound', `Repository Not Found for url: ${id} ${why}. Download it with D011DL first.`);

export const revisionNotFound = (id: string, rev: string, why = 'is not in this library') =>
  new MirrorError(404, 'RevisionNotFound', `Invalid rev id: ${rev} (${id}@${rev} ${why})`);

export const entryNotFound = (path: string, commit: string, why = 'Entry not found') =>
  new MirrorError(404, 'EntryNotFound', `${why}: ${path}`, { 'X-Repo-Commit': commit });

/** Header values must be visible ASCII: names and paths may hold anything, so the rest becomes "?". */
export const headerSafe = (s: string) => s.replace(/[^\x20-\x7e]/g, '?').slice(0, 1000);
