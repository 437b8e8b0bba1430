// The storage roots of this installation at run time: each root's guard (mount marker, writability), its
// folder for a revision and the path people see. Every revision path in the API is made here, from the
// root the revision lives on.
import type { StorageRootConfig } from '../config/config.ts';
import { DEFAULT_ROOT } from '../config/storage-roots.ts';
import type { Db } from '../db/pool.ts';
import { notFound } from '../http-errors.ts';
import { displayPath } from './display-path.ts';
import { modelDir } from './layout.ts';
import { createStorageGuard, type StorageGuard } from './storage-guard.ts';

export { DEFAULT_ROOT };

export interface RevisionKey {
  storage: string;
  author: string;
  repo: string;
  revision: string;
}

export class StorageRoots {
  readonly #guards = new Map<string, StorageGuard>();
  readonly list: StorageRootConfig[];

  constructor(deps: { db: Db; roots: StorageRootConfig[]; log: { info(msg: string): void } }) {
    this.list = deps.roots;
    for (const root of deps.roots) this.#guards.set(root.name, createStorageGuard({ db: deps.db, root, log: deps.log }));
  }

  get names(): string[] {
    return this.list.map((r) => r.name);
  }

  has(name: string): boolean {
    return this.#guards.has(name);
  }

  /** The guard of a root; a name that is not configured is a root that does not exist (404). */
  guard(name: string = DEFAULT_ROOT): StorageGuard {
    const g = this.#guards.get(name);
    if (!g) throw notFound(`There is no storage root named "${name}"; the roots are: ${this.names.join(', ')}`, 'UnknownStorage');
    return g;
  }

  /** The configured path of a root, or null when the catalog names a root no longer configured. */
  path(name: string): string | null {
    return this.#guards.get(name)?.root.path ?? null;
  }

  /** The revision folder as configured (not resolved: use the guard's root for writing). */
  revisionDir(k: RevisionKey): string {
    const root = this.path(k.storage);
    // a root removed from STORAGE_ROOTS: the path is shown as it was named, never as another root's
    return modelDir(root ?? `<storage root "${k.storage}" is not configured>`, k.author, k.repo, k.revision);
  }

  displayPath(k: RevisionKey): string {
    const root = this.#guards.get(k.storage)?.root;
    const local = this.revisionDir(k);
    return root ? displayPath(local, root.path, root.displayRoot) : local;
  }

  /** Writes each root's marker on first use (the start-up check). */
  async initialise(): Promise<void> {
    await Promise.all([...this.#guards.values()].map((g) => g.state()));
  }
}
