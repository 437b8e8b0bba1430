// POST /db/models/:id/update: a branch that moved at the Hub is brought to its new commit fetching only
// what changed (update-job.ts does the work). The files it covers: every file of the new commit when the
// revision was downloaded whole, else the paths it tracks that still exist.
import type { UpdateJobResponse } from '@d011dl/contract';
import { catalogRepository as catalog } from '../catalog/catalog.repository.ts';
import { stagingRepository as staging } from '../catalog/staging.repository.ts';
import type { CatalogService } from '../catalog/catalog.service.ts';
import type { CallerContext } from '../audit/audit-context.ts';
import type { AuditService } from '../audit/audit.service.ts';
import { withTransaction, type Db } from '../db/pool.ts';
import { downloadsRepository as downloads } from '../downloads/downloads.repository.ts';
import { conflict } from '../http-errors.ts';
import type { HubService } from '../hub/hub.service.ts';
import type { DownloadQueue } from '../jobs/download-queue.ts';
import { assertSpace } from '../storage/disk-space.ts';
import type { StorageRoots } from '../storage/storage-roots.ts';

export function createUpdateApplyService(deps: {
  db: Db;
  hub: HubService;
  /** the Hub as the user who starts the update reaches it (their own token, else HF_TOKEN) */
  hubFor?: (userId: string) => Promise<HubService>;
  queue: DownloadQueue;
  roots: StorageRoots;
  catalog: CatalogService;
  /** bytes always left free on a root, as the Settings page says now */
  reserveBytes: () => number;
  engine: string;
  audit: AuditService;
}) {
  const { db } = deps;
  return {
    async update(ctx: CallerContext, modelId: string): Promise<UpdateJobResponse> {
      const hub = deps.hubFor ? await deps.hubFor(ctx.actor.sub) : deps.hub;
      const m = await deps.catalog.requireModel(modelId);
      const name = `${m.author}/${m.repo}@${m.revision}`;
      if (m.pinned) throw conflict(`${name} is pinned to its commit: unpin it to update it`, 'Pinned');
      const refs = await hub.refs(m.author, m.repo, false);
      if (!refs.branches.includes(m.revision)) {
        throw conflict(`${name} is not a branch (a tag or a commit never moves), so there is nothing to update`, 'NotABranch');
      }
      const busy = await downloads.activeJobsOn(db, modelId);
      if (busy.length)
        throw conflict(`A ${busy[0]!.kind} job (${busy[0]!.id}) is ${busy[0]!.status} on ${name}; update it when that job has finished`, 'JobRunning');
      const root = await deps.roots.guard(m.storage).require();
      const commit = await hub.resolveCommit(m.author, m.repo, m.revision);
      if (commit === m.commit_sha) throw conflict(`${name} is already at the Hub's latest commit ${commit.slice(0, 12)}`, 'UpToDate');

      const current = await catalog.files(db, modelId);
      const tracked = new Map(current.map((f) => [f.path, f]));
      const files = (await hub.listAll(m.author, m.repo, commit)).filter((e) => e.type === 'file');
      // downloaded whole: every file of the old commit is tracked, so new files belong to it as well
      const oldTree = m.commit_sha ? (await hub.listAll(m.author, m.repo, m.commit_sha)).filter((e) => e.type === 'file') : [];
      const whole = oldTree.length > 0 && oldTree.every((e) => tracked.has(e.path));
      const wanted = files.filter((e) => whole || tracked.has(e.path));
      const present = new Set(files.map((e) => e.path));
      const unchanged = wanted.filter((e) => {
        const f = tracked.get(e.path);
        return f?.status === 'done' && f.git_oid === e.oid && f.size_bytes === e.size;
      });
      const unchangedPaths = new Set(unchanged.map((e) => e.path));
      const toFetch = wanted.filter((e) => !unchangedPaths.has(e.path));
      const bytesToFetch = toFetch.reduce((n, e) => n + e.size, 0);
      await assertSpace(root, bytesToFetch, await downloads.bytesStillNeeded(db, m.storage, null), deps.reserveBytes());

      const targets = wanted.map((e) => ({ path: e.path, size: e.size, sha256: e.lfs?.oid ?? null, gitOid: e.oid, isLfs: Boolean(e.lfs) }));
      const downloadId = await withTransaction(db, async (tx) => {
        const { stagingId, fileIds } = await staging.create(tx, m, targets);
        const id = await downloads.insertDownload(tx, {
          userId: ctx.actor.sub,
          modelId: stagingId,
          selection: [],
          force: false,
          commitSha: commit,
          engine: deps.engine,
          filesTotal: targets.length,
          bytesTotal: targets.reduce((n, t) => n + t.size, 0),
          kind: 'update',
          sourceModelId: modelId,
        });
        await downloads.linkFiles(tx, id, fileIds);
        await downloads.setJobId(tx, id, await deps.queue.send(tx, { downloadId: id }));
        await deps.audit.record(tx, {
          ...ctx,
          action: 'model.update',
          target: name,
          details: {
            storage: m.storage,
            download_id: id,
            from_commit: m.commit_sha,
            to_commit: commit,
            files_to_fetch: toFetch.length,
            bytes_to_fetch: bytesToFetch,
          },
        });
        return id;
      });
      deps.queue.wake();
      return {
        download_id: downloadId,
        model_id: modelId,
        status: 'queued',
        commit_sha: commit,
        files_added: toFetch.filter((e) => !tracked.has(e.path)).length,
        files_changed: toFetch.filter((e) => tracked.has(e.path)).length,
        files_removed: current.filter((f) => !present.has(f.path)).length,
        files_unchanged: unchanged.length,
        bytes_to_fetch: bytesToFetch,
      };
    },
  };
}

export type UpdateApplyService = ReturnType<typeof createUpdateApplyService>;
