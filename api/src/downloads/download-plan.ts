// What a download request means before anything is queued: the storage root checked, the revision resolved
// to a commit, the selection expanded to files, what is already on disk, access to gated files checked.
// Queueing (enqueuePlans) writes the catalog rows, the job row and the queue's job in the caller's
// transaction, so none exists without the others.
import { lstat } from 'node:fs/promises';
import type { SelectionItem } from '@d011dl/contract';
import type { TargetFile } from '../catalog/catalog.repository.ts';
import type { CatalogService } from '../catalog/catalog.service.ts';
import type { DbClient } from '../db/pool.ts';
import { badRequest, conflict } from '../http-errors.ts';
import type { HubTreeEntry } from '../hub/hub-client.ts';
import type { HubService } from '../hub/hub.service.ts';
import type { DownloadQueue } from '../jobs/download-queue.ts';
import { finalPath } from '../storage/file-paths.ts';
import { modelDir, revisionFolder } from '../storage/layout.ts';
import { assertNoSymlinks, UnsafePathError } from '../storage/safe-fs.ts';
import { DEFAULT_ROOT, type StorageRoots } from '../storage/storage-roots.ts';
import { downloadsRepository as repo } from './downloads.repository.ts';

export interface DownloadRequest {
  author: string;
  repo: string;
  revision: string;
  selection: SelectionItem[];
  force: boolean;
  storage?: string | undefined;
}

export interface DownloadPlan {
  req: DownloadRequest & { storage: string };
  storage: string;
  /** the root's real path */
  root: string;
  commit: string;
  targets: TargetFile[];
  bytesTotal: number;
  /** what is not on disk yet: the space the job needs */
  bytesMissing: number;
}

export interface PlanDeps {
  /** DEDUP=auto: files complete elsewhere on the root will be linked, so they need no space */
  dedup: boolean;
  hub: HubService;
  roots: StorageRoots;
  catalog: CatalogService;
  queue: DownloadQueue;
  engine: string;
}

/** Which files of the tree a selection means: all of them when empty; everything under a dir. */
export function expandSelection(tree: HubTreeEntry[], selection: SelectionItem[]): TargetFile[] {
  const files = tree.filter((e) => e.type === 'file');
  const toTarget = (e: HubTreeEntry): TargetFile => ({ path: e.path, size: e.size, sha256: e.lfs?.oid ?? null, gitOid: e.oid, isLfs: Boolean(e.lfs) });
  if (selection.length === 0) return files.map(toTarget);
  const byPath = new Map(files.map((f) => [f.path, f]));
  const dirs = new Set(tree.filter((e) => e.type === 'directory').map((e) => e.path));
  const chosen = new Map<string, HubTreeEntry>();
  const missing: string[] = [];
  for (const item of selection) {
    if (item.type === 'file') {
      const f = byPath.get(item.path);
      if (f) chosen.set(f.path, f);
      else missing.push(item.path);
    } else if (dirs.has(item.path)) {
      for (const f of files) if (f.path.startsWith(`${item.path}/`)) chosen.set(f.path, f);
    } else {
      missing.push(`${item.path}/`);
    }
  }
  if (missing.length) {
    const shown = missing
      .slice(0, 5)
      .map((m) => `"${m}"`)
      .join(', ');
    throw badRequest(`Not in the repo at this revision: ${shown}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}`, 'UnknownPath');
  }
  return [...chosen.values()].map(toTarget);
}

/** Everything a download is checked for before it is queued; throws the 4xx/5xx that explains a refusal. */
export async function planDownload(deps: PlanDeps, body: DownloadRequest): Promise<DownloadPlan> {
  const { hub, catalog } = deps;
  const req = { ...body, storage: body.storage ?? DEFAULT_ROOT };
  // an unknown, unmounted, read-only or unsafe storage is refused before asking the Hub anything
  const root = await deps.roots.guard(req.storage).require();
  await assertNoSymlinks(root, [req.author, req.repo, revisionFolder(req.revision)]).catch((err: unknown) => {
    throw err instanceof UnsafePathError ? conflict(err.message, 'UnsafeStoragePath') : err;
  });
  const commit = await hub.resolveCommit(req.author, req.repo, req.revision);
  const targets = expandSelection(await hub.listAll(req.author, req.repo, commit), req.selection);
  if (targets.length === 0) throw badRequest('Nothing to download: the selection has no files', 'EmptySelection');
  const dir = modelDir(root, req.author, req.repo, req.revision);
  for (const t of targets) finalPath(dir, t.path);

  // one look at the disk serves both the "already downloaded" check and the space check (a link
  // is not a downloaded file: the job refuses it with a clear message)
  const onDisk = await Promise.all(
    targets.map(async (t) => {
      const st = await lstat(finalPath(dir, t.path)).catch(() => null);
      return Boolean(st?.isFile() && st.size === t.size);
    }),
  );
  if (!req.force) {
    const done = await catalog.doneFiles(req);
    const present = targets.map((t, i) => {
      const rec = done.get(t.path);
      return Boolean(rec && rec.size === t.size && rec.gitOid === t.gitOid && onDisk[i]);
    });
    if (present.every(Boolean)) {
      // the portal and the app offer "Verify and re-download" on this code; retry_with tells API callers how
      const err = conflict(
        `Every selected file of ${req.author}/${req.repo}@${req.revision} is already downloaded and matches the Hub. Choose "Verify and re-download" to check every file on disk and fetch again any that differ.`,
        'AlreadyDownloaded',
      );
      err.body = { retry_with: { force: true } };
      throw err;
    }
  }
  // Gated repos list their files publicly and refuse them only at download: ask before queueing.
  const probe = targets.find((t) => t.size > 0) ?? targets[0]!;
  await hub.checkFileAccess(req.author, req.repo, commit, probe.path);

  // files already on disk need no new space: only what is missing has to fit, less what
  // de-duplication will link from another revision on this root
  const missing = targets.filter((_t, i) => !onDisk[i]);
  const linkable = deps.dedup && !req.force ? await catalog.hasDoneCopies(req.storage, missing) : [];
  return {
    req,
    storage: req.storage,
    root,
    commit,
    targets,
    bytesTotal: targets.reduce((n, t) => n + t.size, 0),
    bytesMissing: missing.reduce((n, t, i) => n + (linkable[i] ? 0 : t.size), 0),
  };
}

/** Writes each plan's catalog rows, job row and queue job inside `tx`; returns the jobs' ids in order. */
export async function enqueuePlans(deps: PlanDeps, tx: DbClient, caller: { id: string }, plans: DownloadPlan[]): Promise<string[]> {
  const ids: string[] = [];
  for (const { req, commit, targets, bytesTotal } of plans) {
    const { modelId, fileIds } = await deps.catalog.recordSelection(tx, req, targets, req.force);
    const id = await repo.insertDownload(tx, {
      userId: caller.id,
      modelId,
      selection: req.selection,
      force: req.force,
      commitSha: commit,
      engine: deps.engine,
      filesTotal: targets.length,
      bytesTotal,
    });
    await repo.linkFiles(tx, id, fileIds);
    await repo.setJobId(tx, id, await deps.queue.send(tx, { downloadId: id }));
    ids.push(id);
  }
  return ids;
}
