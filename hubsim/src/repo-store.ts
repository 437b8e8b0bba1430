// Runtime model of the catalog: repos, commits, refs and files, built lazily per repo on first access.
// Commit and tree ids are deterministic functions of the catalog (not real git objects: clients only need
// stable 40-hex ids); file ids are real (git blob sha1, LFS sha256) because clients verify and cache by them.
import { generateBytes } from './content.ts';
import { gitBlobOid, lfsPointer, sha1Hex } from './git.ts';
import { contentBySha256, knownSha256, lfsSha256 } from './sha256-cache.ts';
import type { CatalogConfig, CommitSpec, ExpectedFile, FileSpec, RepoSpec } from './types.ts';
import { parseSize } from './units.ts';

export type RepoType = 'model' | 'dataset';

export interface FileNode {
  path: string;
  lfs: boolean;
  size: number;
  /** regular files */
  content?: Buffer;
  /** LFS files */
  seed?: string;
  /** LFS files, once hashed */
  sha256?: string;
  /** git blob id (of the pointer for LFS files, so only once hashed) */
  oid?: string;
  /** cheap content identity (no hashing needed), for tree ids and last-commit lookups */
  identity: string;
}

export interface Commit {
  sha: string;
  label: string;
  parent?: Commit;
  title: string;
  date: string;
  files: Map<string, FileNode>;
  /** directory path → tree id; '' is the root */
  dirs: Map<string, string>;
  /** directory path → sorted paths of its direct children */
  children: Map<string, string[]>;
  /** every file and directory path (not the root), in listing order (pre-order, directories first) */
  all: string[];
}

export interface Repo {
  type: RepoType;
  id: string;
  spec: RepoSpec;
  mongoId: string;
  createdAt: string;
  commits: Commit[];
  branches: Map<string, Commit>;
  tags: Map<string, Commit>;
  pullRequests: Map<string, Commit>;
  advances: number;
  mutations: number;
}

/** "acme/x" → model, "datasets/acme/x" → dataset ("models/acme/x" is accepted too). */
export function parseRepoRef(ref: string): { type: RepoType; id: string } {
  if (ref.startsWith('datasets/')) return { type: 'dataset', id: ref.slice('datasets/'.length) };
  if (ref.startsWith('models/')) return { type: 'model', id: ref.slice('models/'.length) };
  return { type: 'model', id: ref };
}

const DAY_MS = 86_400_000;
const FIRST_COMMIT_MS = Date.UTC(2024, 0, 1, 10, 0, 0);

export class RepoStore {
  readonly cacheDir: string;
  readonly tokens: ReadonlyMap<string, string>;
  #specs = new Map<string, RepoSpec>();
  #repos = new Map<string, Repo>();

  constructor(catalog: CatalogConfig, cacheDir: string) {
    this.cacheDir = cacheDir;
    this.tokens = new Map(Object.entries(catalog.tokens));
    for (const spec of catalog.repos) {
      validateSpec(spec);
      this.#specs.set(repoKey(spec.type ?? 'model', spec.id), spec);
    }
  }

  find(type: RepoType, id: string): Repo | undefined {
    const key = repoKey(type, id);
    let repo = this.#repos.get(key);
    if (!repo) {
      const spec = this.#specs.get(key);
      if (!spec) return undefined;
      repo = buildRepo(spec);
      this.#repos.set(key, repo);
    }
    return repo;
  }

  /** Like find, with a "datasets/"-prefixed id for datasets; throws when unknown (programmatic API). */
  get(repoRef: string): Repo {
    const { type, id } = parseRepoRef(repoRef);
    const repo = this.find(type, id);
    if (!repo) throw new Error(`hubsim: unknown repo ${repoRef}`);
    return repo;
  }

  resolve(repo: Repo, rev: string): Commit | undefined {
    const direct = repo.branches.get(rev) ?? repo.tags.get(rev);
    if (direct) return direct;
    if (rev === 'HEAD') return repo.branches.get('main');
    let m = /^refs\/heads\/(.+)$/.exec(rev);
    if (m?.[1]) return repo.branches.get(m[1]);
    m = /^refs\/tags\/(.+)$/.exec(rev);
    if (m?.[1]) return repo.tags.get(m[1]);
    m = /^refs\/pr\/(\d+)$/.exec(rev);
    if (m?.[1]) return repo.pullRequests.get(m[1]);
    // the Hub also accepts abbreviated commit ids
    if (/^[0-9a-fA-F]{5,40}$/.test(rev)) {
      const prefix = rev.toLowerCase();
      const hits = repo.commits.filter((c) => c.sha.startsWith(prefix));
      if (hits.length === 1) return hits[0];
    }
    return undefined;
  }

  resolveOrThrow(repoRef: string, rev = 'main'): { repo: Repo; commit: Commit } {
    const repo = this.get(repoRef);
    const commit = this.resolve(repo, rev);
    if (!commit) throw new Error(`hubsim: unknown revision ${rev} of ${repoRef}`);
    return { repo, commit };
  }

  /** Computes the sha256 (and so the git oid) of LFS files that lack it. */
  async ensureHashed(nodes: Iterable<FileNode>): Promise<void> {
    const pending: Promise<void>[] = [];
    for (const node of nodes) {
      if (node.lfs && !node.sha256) pending.push(this.#hash(node));
    }
    await Promise.all(pending);
  }

  async #hash(node: FileNode): Promise<void> {
    // mutateFile may change the seed while a hash is running: retry until the result matches the node
    for (;;) {
      const seed = node.seed ?? '';
      const hex = await lfsSha256(seed, node.size, this.cacheDir);
      if (node.seed === seed) {
        setSha(node, hex);
        return;
      }
    }
  }

  /** LFS content by sha256 (what the CDN serves); old content stays reachable after a mutation. */
  cdnObject(sha256: string): { seed: string; size: number } | undefined {
    return contentBySha256(sha256);
  }

  mutate(repoRef: string, path: string, newSeed?: string, revision = 'main'): void {
    const { repo, commit } = this.resolveOrThrow(repoRef, revision);
    const node = commit.files.get(path);
    if (!node) throw new Error(`hubsim: no file ${path} at ${revision} of ${repoRef}`);
    repo.mutations++;
    if (node.lfs) {
      node.seed = newSeed ?? `${node.seed ?? ''}~mutated-${repo.mutations}`;
      node.identity = lfsIdentity(node.seed, node.size);
      delete node.sha256;
      delete node.oid;
      const hex = knownSha256(node.seed, node.size);
      if (hex) setSha(node, hex);
    } else {
      node.content = Buffer.concat([Buffer.from(`mutated ${newSeed ?? repo.mutations}\n`), node.content ?? Buffer.alloc(0)]);
      node.size = node.content.length;
      node.oid = gitBlobOid(node.content);
      node.identity = node.oid;
    }
  }

  advance(repoRef: string, branch: string, change?: { path?: string; text?: string | null; files?: Record<string, FileSpec | null> }): string {
    const repo = this.get(repoRef);
    const base = repo.branches.get(branch) ?? repo.branches.get('main');
    if (!base) throw new Error(`hubsim: ${repoRef} has no main branch`);
    const n = ++repo.advances;
    const path = change?.path ?? (base.files.has('README.md') ? 'README.md' : `advance-${n}.txt`);
    const previous = base.files.get(path);
    const oldText = previous && !previous.lfs ? (previous.content ?? Buffer.alloc(0)).toString('utf8') : '';
    const spec: CommitSpec = {
      id: `advance-${n}`,
      title: `Advance ${branch} (#${n})`,
      // derived from the parent, not the clock, so the new sha is reproducible
      date: new Date(Date.parse(base.date) + 3_600_000).toISOString(),
      // `files` replaces the one-file change: several files added, changed (new seed) or removed (null);
      // text null: the commit deletes the file
      files: change?.files ?? { [path]: change?.text === null ? null : (change?.text ?? `${oldText}\nadvanced ${n} on ${branch}\n`) },
    };
    const commit = buildCommit(repo, spec, base);
    repo.commits.push(commit);
    repo.branches.set(branch, commit);
    return commit.sha;
  }

  async expectedFiles(repoRef: string, revision = 'main'): Promise<ExpectedFile[]> {
    const { commit } = this.resolveOrThrow(repoRef, revision);
    await this.ensureHashed(commit.files.values());
    return [...commit.files.values()]
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
      .map((f) => ({ path: f.path, size: f.size, oid: f.oid ?? '', lfs: f.lfs, ...(f.sha256 ? { sha256: f.sha256 } : {}) }));
  }

  fileBytes(repoRef: string, revision: string, path: string): Buffer {
    const { commit } = this.resolveOrThrow(repoRef, revision);
    const node = commit.files.get(path);
    if (!node) throw new Error(`hubsim: no file ${path} at ${revision} of ${repoRef}`);
    return contentOf(node);
  }
}

export function contentOf(node: FileNode): Buffer {
  return node.lfs ? generateBytes(node.seed ?? '', 0, node.size) : (node.content ?? Buffer.alloc(0));
}

/** Identity of a file or directory at a commit: what last-commit lookups compare. */
export function identityAt(commit: Commit, path: string): string | undefined {
  return commit.files.get(path)?.identity ?? commit.dirs.get(path);
}

/** The most recent ancestor-or-self commit that changed the path (what `lastCommit` reports). */
export function lastCommitOf(commit: Commit, path: string): Commit {
  const id = identityAt(commit, path);
  let cur = commit;
  while (cur.parent && identityAt(cur.parent, path) === id) cur = cur.parent;
  return cur;
}

function setSha(node: FileNode, hex: string): void {
  node.sha256 = hex;
  node.oid = gitBlobOid(lfsPointer(hex, node.size));
}

function repoKey(type: RepoType, id: string): string {
  return `${type}:${id}`;
}

function lfsIdentity(seed: string, size: number): string {
  return `lfs:${seed}:${size}`;
}

function validateSpec(spec: RepoSpec): void {
  const where = `hubsim catalog, repo ${spec.id}`;
  if (!/^[\w.-]+\/[\w.-]+$/.test(spec.id)) throw new Error(`${where}: id must be "namespace/name"`);
  const labels = new Set<string>();
  for (const c of spec.commits) {
    if (labels.has(c.id)) throw new Error(`${where}: duplicate commit ${c.id}`);
    if (c.parent && !labels.has(c.parent)) throw new Error(`${where}: commit ${c.id} has unknown or later parent ${c.parent}`);
    if (c.date && !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(c.date)) throw new Error(`${where}: date of ${c.id} must be ISO ending in Z`);
    labels.add(c.id);
  }
  if (!spec.refs.branches.main) throw new Error(`${where}: needs a main branch`);
  const refLists = [spec.refs.branches, spec.refs.tags ?? {}, spec.refs.pullRequests ?? {}];
  for (const refs of refLists) {
    for (const [name, label] of Object.entries(refs)) {
      if (!labels.has(label)) throw new Error(`${where}: ref ${name} points to unknown commit ${label}`);
    }
  }
  for (const pr of Object.keys(spec.refs.pullRequests ?? {})) {
    if (!/^\d+$/.test(pr)) throw new Error(`${where}: pull request keys must be numbers`);
  }
}

function buildRepo(spec: RepoSpec): Repo {
  const type = spec.type ?? 'model';
  const repo: Repo = {
    type,
    id: spec.id,
    spec,
    mongoId: sha1Hex(`${type}/${spec.id}`).slice(0, 24),
    createdAt: '',
    commits: [],
    branches: new Map(),
    tags: new Map(),
    pullRequests: new Map(),
    advances: 0,
    mutations: 0,
  };
  const byLabel = new Map<string, Commit>();
  spec.commits.forEach((cs, index) => {
    const parentLabel = cs.parent === undefined ? spec.commits[index - 1]?.id : cs.parent;
    const parent = parentLabel ? byLabel.get(parentLabel) : undefined;
    const date = cs.date ?? new Date(FIRST_COMMIT_MS + index * DAY_MS).toISOString();
    const commit = buildCommit(repo, { ...cs, date }, parent);
    byLabel.set(cs.id, commit);
    repo.commits.push(commit);
  });
  repo.createdAt = spec.createdAt ?? repo.commits[0]?.date ?? new Date(FIRST_COMMIT_MS).toISOString();
  const pick = (label: string): Commit => byLabel.get(label) as Commit;
  for (const [name, label] of Object.entries(spec.refs.branches)) repo.branches.set(name, pick(label));
  for (const [name, label] of Object.entries(spec.refs.tags ?? {})) repo.tags.set(name, pick(label));
  for (const [num, label] of Object.entries(spec.refs.pullRequests ?? {})) repo.pullRequests.set(num, pick(label));
  return repo;
}

function buildCommit(repo: Repo, spec: CommitSpec, parent: Commit | undefined): Commit {
  const files = new Map(parent?.files);
  for (const [path, fileSpec] of Object.entries(spec.files ?? {})) {
    checkPath(repo, path);
    if (fileSpec === null) files.delete(path);
    else files.set(path, makeNode(repo, path, fileSpec));
  }
  for (const gen of spec.generate ?? []) {
    for (let i = 0; i < gen.count; i++) {
      const path = fillTemplate(gen.path, i);
      checkPath(repo, path);
      const node =
        gen.lfsSize !== undefined ? makeNode(repo, path, { lfs: { size: gen.lfsSize } }) : makeNode(repo, path, fillTemplate(gen.text ?? '{path}\n', i, path));
      files.set(path, node);
    }
  }
  const layout = computeLayout(repo, files);
  const title = spec.title ?? (parent ? `Update (${spec.id})` : 'Initial commit');
  const date = spec.date ?? new Date(FIRST_COMMIT_MS).toISOString();
  const sha = sha1Hex(
    `hubsim commit\n${repo.type}/${repo.id}\n${spec.id}\nparent ${parent?.sha ?? ''}\ntree ${layout.dirs.get('')}\ndate ${date}\n\n${title}\n`,
  );
  return { sha, label: spec.id, ...(parent ? { parent } : {}), title, date, files, ...layout };
}

function checkPath(repo: Repo, path: string): void {
  const parts = path.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..') || path.includes('\\')) {
    throw new Error(`hubsim catalog, repo ${repo.id}: invalid path ${JSON.stringify(path)}`);
  }
}

function makeNode(repo: Repo, path: string, spec: FileSpec): FileNode {
  if (typeof spec === 'object' && 'lfs' in spec) {
    const seed = spec.lfs.seed ?? `${repo.type}:${repo.id}:${path}`;
    const size = parseSize(spec.lfs.size);
    const node: FileNode = { path, lfs: true, size, seed, identity: lfsIdentity(seed, size) };
    const hex = knownSha256(seed, size);
    if (hex) setSha(node, hex);
    return node;
  }
  const content = typeof spec === 'string' ? Buffer.from(spec) : 'text' in spec ? Buffer.from(spec.text) : Buffer.from(spec.base64, 'base64');
  const oid = gitBlobOid(content);
  return { path, lfs: false, size: content.length, content, oid, identity: oid };
}

function computeLayout(repo: Repo, files: Map<string, FileNode>): Pick<Commit, 'dirs' | 'children' | 'all'> {
  const childSets = new Map<string, Set<string>>([['', new Set()]]);
  for (const path of files.keys()) {
    const parts = path.split('/');
    let dir = '';
    for (let i = 0; i < parts.length; i++) {
      const child = parts.slice(0, i + 1).join('/');
      let set = childSets.get(dir);
      if (!set) childSets.set(dir, (set = new Set()));
      set.add(child);
      dir = child;
    }
  }
  for (const dir of childSets.keys()) {
    if (files.has(dir)) throw new Error(`hubsim catalog, repo ${repo.id}: ${dir} is both a file and a directory`);
  }
  // the Hub lists directories before files at each level
  const children = new Map<string, string[]>();
  for (const [dir, set] of childSets) {
    const kids = [...set].sort(compareStrings);
    children.set(dir, [...kids.filter((c) => childSets.has(c)), ...kids.filter((c) => !childSets.has(c))]);
  }
  // deepest directories first, so every child tree id exists before its parent's
  const depth = (d: string): number => (d === '' ? 0 : d.split('/').length);
  const order = [...childSets.keys()].sort((a, b) => depth(b) - depth(a));
  const dirs = new Map<string, string>();
  for (const dir of order) {
    const lines = (children.get(dir) ?? []).map((c) => `${c.slice(c.lastIndexOf('/') + 1)} ${dirs.get(c) ?? files.get(c)?.identity}`);
    dirs.set(dir, sha1Hex(`tree\n${lines.join('\n')}`));
  }
  // pre-order walk: a recursive listing of any directory is then the entries of `all` under its prefix, in order
  const all: string[] = [];
  const walk = (dir: string): void => {
    for (const c of children.get(dir) ?? []) {
      all.push(c);
      if (childSets.has(c)) walk(c);
    }
  };
  walk('');
  return { dirs, children, all };
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `{i}`, `{i:4}`, `{i/100}`, `{i%10}`, `{i/100%10:2}`, `{n}` (= i + 1, same modifiers), `{path}` */
export function fillTemplate(template: string, i: number, path?: string): string {
  return template.replace(/\{(path|[in](?:\/\d+)?(?:%\d+)?(?::\d+)?)\}/g, (whole, expr: string) => {
    if (expr === 'path') return path ?? whole;
    const m = /^([in])(?:\/(\d+))?(?:%(\d+))?(?::(\d+))?$/.exec(expr);
    let v = m?.[1] === 'n' ? i + 1 : i;
    if (m?.[2]) v = Math.floor(v / Number(m[2]));
    if (m?.[3]) v = v % Number(m[3]);
    return m?.[4] ? String(v).padStart(Number(m[4]), '0') : String(v);
  });
}
