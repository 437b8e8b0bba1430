import { lstat } from 'node:fs/promises';
import type { CreateDownloadResponse, Download, DownloadFile, DownloadProgress, SelectionItem } from '@d011dl/contract';
import type { AppConfig } from '../config/config.ts';
import { withTransaction, type Db } from '../db/pool.ts';
import { badRequest, conflict, notFound } from '../http-errors.ts';
import type { HubTreeEntry } from '../hub/hub-client.ts';
import type { HubService } from '../hub/hub.service.ts';
import { modelDir, revisionFolder } from '../storage/layout.ts';
import { assertNoSymlinks, UnsafePathError } from '../storage/safe-fs.ts';
import { DEFAULT_ROOT, type StorageRoots } from '../storage/storage-roots.ts';
import { assertSpace } from '../storage/disk-space.ts';
import type { DownloadQueue } from '../jobs/download-queue.ts';
import { catalogRepository as catalogFiles, type TargetFile } from '../catalog/catalog.repository.ts';
import type { CatalogService } from '../catalog/catalog.service.ts';
import { downloadsRepository as repo, type DownloadRow } from './downloads.repository.ts';
import { finalPath } from '../storage/file-paths.ts';

export interface Caller {
  id: string;
  admin: boolean;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

export function toProgress(d: DownloadRow): DownloadProgress {
  return {
    id: d.id,
    status: d.status,
    progress_pct: d.progress_pct,
    bytes_done: d.bytes_done,
    bytes_total: d.bytes_total,
    files_done: d.files_done,
    files_failed: d.files_failed,
    files_total: d.files_total,
    speed_bps: d.speed_bps,
    eta_s: d.eta_s,
    error: d.error,
    waiting: d.status === 'running' ? d.waiting : null,
    started_at: iso(d.started_at),
    finished_at: iso(d.finished_at),
  };
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

export function createDownloadsService(deps: {
  db: Db;
  config: AppConfig;
  hub: HubService;
  queue: DownloadQueue;
  roots: StorageRoots;
  catalog: CatalogService;
}) {
  const { db, config, hub, queue, catalog } = deps;

  function toDownload(d: DownloadRow): Download {
    return {
      ...toProgress(d),
      kind: d.kind,
      storage: d.storage,
      source_model_id: d.source_model_id,
      model_id: d.model_id,
      author: d.author,
      repo: d.repo,
      revision: d.revision,
      commit_sha: d.commit_sha,
      user_id: d.user_id,
      username: d.username,
      local_path: deps.roots.revisionDir(d),
      display_path: deps.roots.displayPath(d),
      created_at: d.created_at.toISOString(),
      log: d.log,
    };
  }

  async function visible(id: string, caller: Caller): Promise<DownloadRow> {
    const d = await repo.get(db, id);
    // someone else's download is reported as absent, not as forbidden: ids are not to be probed
    if (!d || (!caller.admin && d.user_id !== caller.id)) throw notFound(`No download ${id}`);
    return d;
  }

  return {
    async create(
      caller: Caller,
      body: { author: string; repo: string; revision: string; selection: SelectionItem[]; force: boolean; storage?: string | undefined },
    ): Promise<CreateDownloadResponse> {
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

      const bytesTotal = targets.reduce((n, t) => n + t.size, 0);
      // files already on disk need no new space: only what is missing has to fit
      const missing = targets.filter((_t, i) => !onDisk[i]);
      // what de-duplication will link from another revision on this root needs no space either
      const linkable = config.dedup === 'auto' && !req.force ? await catalogFiles.hasDoneCopies(db, req.storage, missing) : [];
      const bytesMissing = missing.reduce((n, t, i) => n + (linkable[i] ? 0 : t.size), 0);
      await assertSpace(root, bytesMissing, await repo.bytesStillNeeded(db, req.storage, null), config.downloads.diskReserveBytes);

      const downloadId = await withTransaction(db, async (tx) => {
        const { modelId, fileIds } = await catalog.recordSelection(tx, req, targets, req.force);
        const id = await repo.insertDownload(tx, {
          userId: caller.id,
          modelId,
          selection: req.selection,
          force: req.force,
          commitSha: commit,
          engine: config.downloads.engine,
          filesTotal: targets.length,
          bytesTotal,
        });
        await repo.linkFiles(tx, id, fileIds);
        await repo.setJobId(tx, id, await queue.send(tx, { downloadId: id }));
        return id;
      });
      queue.wake();
      return { download_id: downloadId, status: 'queued', commit_sha: commit, files_total: targets.length, bytes_total: bytesTotal };
    },

    async get(id: string, caller: Caller): Promise<Download> {
      return toDownload(await visible(id, caller));
    },

    async progress(id: string, caller: Caller): Promise<DownloadProgress> {
      return toProgress(await visible(id, caller));
    },

    async list(caller: Caller, all: boolean): Promise<Download[]> {
      return (await repo.list(db, caller.admin && all ? null : caller.id, 500)).map(toDownload);
    },

    /** Progress of the downloads the list shows (the live jobs list's events). */
    async progressList(caller: Caller, all: boolean): Promise<DownloadProgress[]> {
      return (await repo.list(db, caller.admin && all ? null : caller.id, 500)).map(toProgress);
    },

    async files(id: string, caller: Caller): Promise<DownloadFile[]> {
      await visible(id, caller);
      return (await catalog.filesOfDownload(id)).map((f) => ({
        path: f.path,
        size_bytes: f.size_bytes,
        bytes_done: f.bytes_done,
        status: f.status,
        error: f.error,
      }));
    },

    async cancel(id: string, caller: Caller): Promise<Download> {
      const d = await visible(id, caller);
      if (d.status !== 'queued' && d.status !== 'running')
        throw conflict(`This download already ${d.status === 'succeeded' ? 'succeeded' : `is ${d.status}`}`, 'NotCancelable');
      await repo.cancel(db, id);
      if (d.status === 'queued' && d.job_id) await queue.cancel(d.job_id);
      return toDownload((await repo.get(db, id))!);
    },

    async retry(id: string, caller: Caller): Promise<Download> {
      const d = await visible(id, caller);
      if (d.status !== 'failed' && d.status !== 'canceled')
        throw conflict(`Only failed or canceled downloads can be retried; this one is ${d.status}`, 'NotRetryable');
      await withTransaction(db, async (tx) => {
        await catalog.resetFailed(tx, await repo.fileIds(tx, id));
        await repo.requeue(tx, id);
        await repo.setJobId(tx, id, await queue.send(tx, { downloadId: id }));
      });
      queue.wake();
      return toDownload((await repo.get(db, id))!);
    },
  };
}

export type DownloadsService = ReturnType<typeof createDownloadsService>;
