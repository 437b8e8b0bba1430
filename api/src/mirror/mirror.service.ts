// The library as a Hugging Face Hub: which revision a request means, which files it may list and serve
// (only `done` ones, from the catalog's revision folders), and pull-through of what is missing.
// Nothing here ever asks the Hub, except pull-through queueing a normal download (MIRROR_PULL_THROUGH).
import { createHash } from 'node:crypto';
import type { Model, MirrorRefs, MirrorRepoInfo, MirrorTreeEntry } from '@d011dl/contract';
import { catalogRepository } from '../catalog/catalog.repository.ts';
import type { CatalogService } from '../catalog/catalog.service.ts';
import type { Db } from '../db/pool.ts';
import type { DownloadsService } from '../downloads/downloads.service.ts';
import { HttpError } from '../http-errors.ts';
import { entryNotFound, MirrorError, repoNotFound, revisionNotFound } from './mirror-errors.ts';
import { buildTree, siblings, type SnapshotFile, type SnapshotTree, treeEntry, treePaths } from './mirror-tree.ts';
import type { RepoId } from './mirror-url.ts';

const COMMIT = /^[0-9a-f]{40}$/;
const MAX_PATHS_INFO = 1000;

/** Who reads: a token's user, or nobody (MIRROR_ANONYMOUS). */
export type MirrorCaller = { id: string; admin: boolean; username: string; ip: string | null } | null;

interface Snapshot {
  id: string;
  author: string;
  commit: string;
  date: string;
  created: string;
  files: SnapshotFile[];
}

export function createMirrorService(deps: { db: Db; catalog: CatalogService; downloads: DownloadsService; pullThrough: () => boolean }) {
  const { db, catalog } = deps;
  // one pull-through per repo@revision at a time: clients ask several things at once
  const queueing = new Set<string>();

  async function pullThrough(id: RepoId, rev: string, caller: MirrorCaller, models: Model[], notFound: MirrorError): Promise<never> {
    const label = `${id.author}/${id.repo}@${rev}`;
    if (!deps.pullThrough()) throw notFound;
    const busy = models.find((m) => m.revision === rev && m.files_tracked > m.files_done + m.files_failed);
    if (busy || queueing.has(label.toLowerCase()))
      throw withMessage(notFound, `${label} is being downloaded into this library now: try again when it is done.`);
    if (!caller) throw withMessage(notFound, `${label} is not in this library; with a token, asking for it would download it (MIRROR_PULL_THROUGH).`);
    queueing.add(label.toLowerCase());
    try {
      const job = await deps.downloads.create(caller, { author: id.author, repo: id.repo, revision: rev, selection: [], force: false });
      throw withMessage(notFound, `${label} is not in this library yet: D011DL is downloading it now (job ${job.download_id}); try again when it is done.`);
    } catch (err) {
      // the Hub's own answer (unknown repo or revision, gated, down) is passed on in words
      if (err instanceof HttpError) throw withMessage(notFound, `${label} is not in this library, and fetching it failed: ${err.message}`);
      throw err;
    } finally {
      queueing.delete(label.toLowerCase());
    }
  }

  /** The snapshot `rev` names: its commit, and the done files of every revision folder at that commit. */
  async function snapshot(id: RepoId, rev: string, caller: MirrorCaller, onlyPath: string | null = null, listing = true): Promise<Snapshot> {
    const all = await catalog.listModels({ author: id.author, repo: id.repo });
    const models = all.filter(
      (m) => m.commit_sha && m.files_done > 0 && m.author.toLowerCase() === id.author.toLowerCase() && m.repo.toLowerCase() === id.repo.toLowerCase(),
    );
    const label = `${id.author}/${id.repo}`;
    if (models.length === 0) return pullThrough(id, rev, caller, all, repoNotFound(label));
    // JS modelInfo asks for "HEAD" when given no revision: the default branch
    const wanted = rev === 'HEAD' ? 'main' : rev;
    const named = models.find((m) => m.revision === wanted) ?? (COMMIT.test(wanted) ? models.find((m) => m.commit_sha === wanted) : undefined);
    if (!named) return pullThrough(id, wanted, caller, all, revisionNotFound(label, rev));
    // A listing of a revision that is still being downloaded would look complete to a client and leave
    // it with part of the repo; single done files are still served (a running client is not cut off).
    if (listing && named.files_tracked > named.files_done + named.files_failed) {
      throw withMessage(revisionNotFound(label, rev), `${label}@${rev} is being downloaded into this library now: try again when it is done.`);
    }
    const commit = named.commit_sha!;
    // the named revision's folder first: for a path present in several, it is the one served
    const group = [named, ...models.filter((m) => m !== named && m.commit_sha === commit)];
    const dirOf = new Map(group.map((m) => [m.id, m.local_path]));
    const files = new Map<string, SnapshotFile>();
    const rows = await catalogRepository.doneFilesOfModels(
      db,
      group.map((m) => m.id),
      onlyPath,
    );
    for (const m of group) {
      for (const f of rows) {
        if (f.model_id !== m.id || files.has(f.path) || !f.git_oid) continue;
        files.set(f.path, { path: f.path, size: Number(f.size_bytes), sha256: f.sha256, gitOid: f.git_oid, isLfs: f.is_lfs, dir: dirOf.get(m.id)! });
      }
    }
    const dates = group.map((m) => m.downloaded_at ?? m.updated_at).sort();
    return {
      id: `${named.author}/${named.repo}`,
      author: named.author,
      commit,
      date: dates[dates.length - 1]!,
      created: group.map((m) => m.created_at).sort()[0]!,
      files: [...files.values()],
    };
  }

  const treeOf = (s: Snapshot): SnapshotTree => buildTree(s.commit, s.date, s.files);

  return {
    async info(id: RepoId, rev: string, caller: MirrorCaller, blobs: boolean): Promise<MirrorRepoInfo> {
      const s = await snapshot(id, rev, caller);
      const t = treeOf(s);
      return {
        _id: createHash('sha1').update(s.id).digest('hex').slice(0, 24),
        id: s.id,
        author: s.author,
        sha: s.commit,
        lastModified: s.date,
        createdAt: s.created,
        private: false,
        gated: false,
        disabled: false,
        tags: [],
        downloads: 0,
        likes: 0,
        siblings: siblings(t, blobs),
        usedStorage: s.files.reduce((n, f) => n + f.size, 0),
      };
    },

    /**
     * Every revision the library holds, by name. A name the update checker found to be a tag at the Hub
     * is listed as a tag; any other name as a branch (what it was when downloaded, as far as we know).
     */
    async refs(id: RepoId, includePrs: boolean): Promise<MirrorRefs> {
      const models = (await catalog.listModels({ author: id.author, repo: id.repo })).filter((m) => m.commit_sha && m.files_done > 0);
      if (models.length === 0) throw repoNotFound(`${id.author}/${id.repo}`);
      const kinds = await catalogRepository.refKinds(db, id.author, id.repo);
      const ref = (name: string, ref: string, commit: string) => ({ name, ref, targetCommit: commit });
      // a revision kept on two storage roots is one ref
      const named = [...new Map(models.filter((m) => !COMMIT.test(m.revision) && !m.revision.startsWith('refs/')).map((m) => [m.revision, m])).values()];
      const isTag = (m: Model) => kinds.get(m.revision) === 'tag';
      const body: MirrorRefs = {
        branches: named.filter((m) => !isTag(m)).map((m) => ref(m.revision, `refs/heads/${m.revision}`, m.commit_sha!)),
        converts: [],
        tags: named.filter(isTag).map((m) => ref(m.revision, `refs/tags/${m.revision}`, m.commit_sha!)),
      };
      if (includePrs) {
        body.pullRequests = models.filter((m) => m.revision.startsWith('refs/pr/')).map((m) => ref(m.revision.slice(8), m.revision, m.commit_sha!));
      }
      return body;
    },

    async tree(
      id: RepoId,
      rev: string,
      caller: MirrorCaller,
      q: { dir: string; recursive: boolean; expand: boolean; offset: number; pageSize: number },
    ): Promise<{ commit: string; entries: MirrorTreeEntry[]; more: boolean }> {
      const s = await snapshot(id, rev, caller);
      const t = treeOf(s);
      const paths = treePaths(t, q.dir, q.recursive);
      if (!paths) throw entryNotFound(q.dir, s.commit);
      const page = paths.slice(q.offset, q.offset + q.pageSize);
      return { commit: s.commit, entries: page.flatMap((p) => treeEntry(t, p, q.expand) ?? []), more: q.offset + q.pageSize < paths.length };
    },

    async pathsInfo(id: RepoId, rev: string, caller: MirrorCaller, paths: string[], expand: boolean): Promise<MirrorTreeEntry[]> {
      if (paths.length > MAX_PATHS_INFO) throw new MirrorError(413, null, `Too many paths: ${paths.length}; at most ${MAX_PATHS_INFO} in one request`);
      const t = treeOf(await snapshot(id, rev, caller));
      // missing paths are left out, as the Hub does
      return [...new Set(paths.map((p) => p.replace(/\/+$/, '')))].flatMap((p) => treeEntry(t, p, expand) ?? []);
    },

    /** The one done file at `path` in that snapshot, with its commit; EntryNotFound otherwise. */
    async file(id: RepoId, rev: string, caller: MirrorCaller, path: string): Promise<{ commit: string; file: SnapshotFile }> {
      const s = await snapshot(id, rev, caller, path, false);
      const file = s.files[0];
      if (!file) throw entryNotFound(path, s.commit);
      return { commit: s.commit, file };
    },
  };
}

function withMessage(err: MirrorError, message: string): MirrorError {
  return new MirrorError(err.status, err.code, message, err.headers);
}

export type MirrorService = ReturnType<typeof createMirrorService>;
