// Move and copy of a catalog entry (one revision) to another storage root. Everything that can be refused
// is refused here, before a row or a byte is written; the job itself (copy-job.ts) runs on the download
// queue, so it has the same progress, events, cancel, retry and resume after a crash as a download.
import type { LibraryJobResponse } from '@d011dl/contract';
import { catalogRepository as catalog, type ModelFileRow } from '../catalog/catalog.repository.ts';
import type { AuditContext } from '../audit/audit-context.ts';
import type { AuditService } from '../audit/audit.service.ts';
import { withTransaction, type Db, type Queryable } from '../db/pool.ts';
import { downloadsRepository as downloads } from '../downloads/downloads.repository.ts';
import { conflict, forbidden, HttpError, notFound } from '../http-errors.ts';
import type { DownloadQueue } from '../jobs/download-queue.ts';
import { assertSpace } from '../storage/disk-space.ts';
import { revisionFolder } from '../storage/layout.ts';
import { assertNoSymlinks, UnsafePathError } from '../storage/safe-fs.ts';
import type { StorageRoots } from '../storage/storage-roots.ts';
import { sourceRootState } from './source-root.ts';

export type TransferKind = 'copy' | 'move';

export interface TransferCaller {
  id: string;
  admin: boolean;
}

const listed = (paths: string[]) => `${paths.slice(0, 5).join(', ')}${paths.length > 5 ? ` and ${paths.length - 5} more` : ''}`;

export function createTransferService(deps: { db: Db; queue: DownloadQueue; roots: StorageRoots; reserveBytes: () => number; audit: AuditService }) {
  const { db, queue, roots, audit } = deps;

  /** 409 when a job reads or writes the entry: a copy of a revision being written could copy half of it. */
  async function assertIdle(q: Queryable, modelId: string, which: string): Promise<void> {
    const active = await downloads.activeJobsOn(q, modelId);
    if (active.length) {
      const j = active[0]!;
      throw conflict(`A ${j.kind} job (${j.id}, ${j.status}) is using the ${which}; wait until it ends or cancel it.`, 'JobRunning');
    }
  }

  /** The target's catalog entry for the same revision, if there is one. */
  async function targetEntry(key: { author: string; repo: string; revision: string }, to: string) {
    const rows = await catalog.listModels(db, { ...key, storage: to });
    return rows.find((m) => m.author === key.author && m.repo === key.repo && m.revision === key.revision) ?? null;
  }

  return {
    async start(caller: TransferCaller, kind: TransferKind, modelId: string, to: string, ctx: AuditContext): Promise<LibraryJobResponse> {
      // a move deletes the source: a decision for everyone who uses the library
      if (kind === 'move' && !caller.admin) throw forbidden('Only administrators can move a revision: a move deletes it from where it is now', 'AdminOnly');
      const source = await catalog.model(db, modelId);
      if (!source) throw notFound(`No model with id ${modelId}`);
      const targetGuard = roots.guard(to); // 400 for a root that is not configured
      const what = `${source.author}/${source.repo}@${source.revision}`;
      if (to === source.storage) throw conflict(`${what} is already on the storage root "${to}"; choose another root`, 'SameStorage');
      const targetRoot = await targetGuard.require();
      // the source is read (a read-only archive will do) and, for a move, deleted from: its root must be there too
      if (!roots.has(source.storage))
        throw conflict(`${what} is on the storage root "${source.storage}", which is no longer configured (STORAGE_ROOTS)`, 'UnknownStorage');
      const readable = await sourceRootState(roots, source.storage, kind);
      if (!readable.ok) throw new HttpError(503, readable.problem === 'ReadOnly' ? 'StorageReadOnly' : 'StorageUnavailable', readable.message);

      const files = await catalog.files(db, source.id);
      if (files.length === 0) throw conflict(`${what} on "${source.storage}" has no files to ${kind}`, 'NothingToCopy');
      const notDone = files.filter((f) => f.status !== 'done').map((f) => `${f.path} (${f.status})`);
      if (notDone.length)
        throw conflict(
          `Only a completely downloaded revision can be ${kind === 'copy' ? 'copied' : 'moved'}; ${notDone.length} of ${files.length} files of ${what} are not done: ${listed(notDone)}. Retry its download first.`,
          'NotDownloaded',
        );
      await assertIdle(db, source.id, 'source revision');
      const existing = await targetEntry(source, to);
      // Files the target already holds complete are not copied again.
      const doneThere = existing ? await catalog.doneFiles(db, { ...source, storage: to }) : new Map<string, { size: number; gitOid: string | null }>();
      const same = (f: ModelFileRow) => {
        const t = doneThere.get(f.path);
        return Boolean(t && t.size === f.size_bytes && t.gitOid === f.git_oid);
      };
      if (existing) {
        await assertIdle(db, existing.id, `copy of ${what} on "${to}"`);
        if (files.every(same)) throw conflict(`The storage root "${to}" already holds ${what} completely`, 'AlreadyThere');
      }
      await assertNoSymlinks(targetRoot, [source.author, source.repo, revisionFolder(source.revision)]).catch((err: unknown) => {
        throw err instanceof UnsafePathError ? conflict(err.message, 'UnsafeStoragePath') : err;
      });

      // Every byte needs room on the target, even on the same file system: a copy doubles it, and a move
      // frees the source only once every file is verified on the target. (A move within one file system
      // renames and needs none, but only the job finds out whether the kernel allows the rename.)
      const bytesTotal = files.reduce((n, f) => n + f.size_bytes, 0);
      const needed = files.reduce((n, f) => n + (same(f) ? 0 : f.size_bytes), 0);
      await assertSpace(targetRoot, needed, await downloads.bytesStillNeeded(db, to, null), deps.reserveBytes());

      const job = await withTransaction(db, async (tx) => {
        // two requests at once: the second one waits here, then sees the first one's job
        if (!(await catalog.lockModel(tx, source.id))) throw notFound(`No model with id ${modelId}`);
        await assertIdle(tx, source.id, 'source revision');
        const targetId = await catalog.upsertModel(tx, { storage: to, author: source.author, repo: source.repo, revision: source.revision });
        await assertIdle(tx, targetId, `copy of ${what} on "${to}"`);
        const fileIds = await catalog.upsertFiles(
          tx,
          targetId,
          files.map((f) => ({ path: f.path, size: f.size_bytes, sha256: f.sha256, gitOid: f.git_oid as string, isLfs: f.is_lfs })),
          false,
        );
        const id = await downloads.insertDownload(tx, {
          userId: caller.id,
          modelId: targetId,
          selection: [],
          force: false,
          commitSha: source.commit_sha,
          engine: 'node',
          filesTotal: files.length,
          bytesTotal,
          kind,
          sourceModelId: source.id,
        });
        await downloads.linkFiles(tx, id, fileIds);
        await downloads.setJobId(tx, id, await queue.send(tx, { downloadId: id }));
        await audit.record(tx, {
          ...ctx,
          action: `model.${kind}`,
          target: `${source.author}/${source.repo}@${source.revision}`,
          details: { from: source.storage, to, download_id: id, files: files.length, bytes: bytesTotal },
        });
        return { id, targetId };
      });
      queue.wake();
      return { download_id: job.id, model_id: job.targetId, status: 'queued' };
    },
  };
}

export type TransferService = ReturnType<typeof createTransferService>;
