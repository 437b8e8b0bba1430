import type { BatchDownloadRequestSchema, BatchDownloadResponse, CreateDownloadResponse, Download, DownloadFile, DownloadProgress } from '@d011dl/contract';
import type { z } from 'zod';
import type { AppConfig } from '../config/config.ts';
import type { AuditService } from '../audit/audit.service.ts';
import { withTransaction, type Db, type DbClient, type Queryable } from '../db/pool.ts';
import { conflict, notFound } from '../http-errors.ts';
import type { HubService } from '../hub/hub.service.ts';
import type { StorageRoots } from '../storage/storage-roots.ts';
import { assertSpace } from '../storage/disk-space.ts';
import type { DownloadQueue } from '../jobs/download-queue.ts';
import type { CatalogService } from '../catalog/catalog.service.ts';
import { enqueuePlans, planDownload, type DownloadPlan, type DownloadRequest } from './download-plan.ts';
import { downloadsRepository as repo, type DownloadRow } from './downloads.repository.ts';

export { expandSelection } from './download-plan.ts';

/** The same error, its message led by which item of a batch it is about. */
function prefixed(err: unknown, prefix: string): unknown {
  if (err instanceof Error) err.message = prefix + err.message;
  return err;
}

export interface Caller {
  id: string;
  admin: boolean;
  /** for the audit log: the name as the database said on this request, and the client's address */
  username?: string;
  ip?: string | null;
}

const label = (d: { author: string; repo: string; revision: string }) => `${d.author}/${d.repo}@${d.revision}`;

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

export function createDownloadsService(deps: {
  db: Db;
  config: AppConfig;
  hub: HubService;
  queue: DownloadQueue;
  roots: StorageRoots;
  catalog: CatalogService;
  /** bytes always left free on a root, as the Settings page says now */
  reserveBytes: () => number;
  audit: AuditService;
  /** the Hub as a user reaches it (their own token, else HF_TOKEN); `hub` when not given */
  hubFor?: (userId: string) => Promise<HubService>;
}) {
  const { db, config, queue, audit } = deps;
  const record = (q: Queryable, caller: Caller, action: string, target: string, details: Record<string, unknown>) =>
    audit.record(q, { actor: { sub: caller.id, username: caller.username ?? null }, action, target, details, ip: caller.ip ?? null });

  /** Queues the plans in the caller's transaction, with an audit entry per job. */
  async function enqueue(tx: DbClient, caller: Caller, plans: DownloadPlan[]): Promise<string[]> {
    const ids = await enqueuePlans(planDeps0, tx, caller, plans);
    for (const [i, p] of plans.entries())
      await record(tx, caller, 'download.start', label(p.req), { download_id: ids[i], storage: p.storage, files: p.targets.length, bytes: p.bytesTotal });
    return ids;
  }
  const planDeps0 = { dedup: config.dedup === 'auto', db, hub: deps.hub, roots: deps.roots, catalog: deps.catalog, queue, engine: config.downloads.engine };

  // the plan of a download asks the Hub with the token of the user who starts it
  const planDepsFor = async (caller: Caller) => ({ ...planDeps0, hub: deps.hubFor ? await deps.hubFor(caller.id) : deps.hub });

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
      hf_token: d.hf_token_owner ? { owner: d.hf_token_owner, user_id: d.hf_token_user_id, hub_user: d.hf_token_hub_user } : null,
    };
  }

  async function visible(id: string, caller: Caller): Promise<DownloadRow> {
    const d = await repo.get(db, id);
    // someone else's download is reported as absent, not as forbidden: ids are not to be probed
    if (!d || (!caller.admin && d.user_id !== caller.id)) throw notFound(`No download ${id}`);
    return d;
  }

  return {
    async create(caller: Caller, body: DownloadRequest): Promise<CreateDownloadResponse> {
      const planDeps = await planDepsFor(caller);
      const plan = await planDownload(planDeps, body);
      await assertSpace(plan.root, plan.bytesMissing, await repo.bytesStillNeeded(db, plan.storage, null), deps.reserveBytes());
      const [downloadId] = await withTransaction(db, (tx) => enqueue(tx, caller, [plan]));
      queue.wake();
      return { download_id: downloadId!, status: 'queued', commit_sha: plan.commit, files_total: plan.targets.length, bytes_total: plan.bytesTotal };
    },

    /** Several revisions of one repo, one job each, queued together or not at all. */
    async createBatch(caller: Caller, body: z.output<typeof BatchDownloadRequestSchema>): Promise<BatchDownloadResponse> {
      const { revisions, ...rest } = body;
      const planDeps = await planDepsFor(caller);
      const planned: Array<{ revision: string; plan: DownloadPlan | null; message: string | null }> = [];
      // one revision after the other: a batch is a handful, and the Hub's rate limits are per minute
      for (const revision of revisions) {
        try {
          planned.push({ revision, plan: await planDownload(planDeps, { ...rest, revision }), message: null });
        } catch (err) {
          if ((err as { code?: string }).code !== 'AlreadyDownloaded') throw prefixed(err, `${revision}: `);
          planned.push({ revision, plan: null, message: (err as Error).message });
        }
      }
      const plans = planned.flatMap((p) => (p.plan ? [p.plan] : []));
      if (plans.length) {
        // together they must fit, each root with what its other jobs still need
        const storage = plans[0]!.storage;
        const missing = plans.reduce((n, p) => n + p.bytesMissing, 0);
        await assertSpace(plans[0]!.root, missing, await repo.bytesStillNeeded(db, storage, null), deps.reserveBytes());
      }
      const ids = await withTransaction(db, (tx) => enqueue(tx, caller, plans));
      if (ids.length) queue.wake();
      let next = 0;
      return {
        downloads: planned.map((p) =>
          p.plan
            ? { revision: p.revision, download_id: ids[next++]!, status: 'queued' as const, commit_sha: p.plan.commit, message: null }
            : { revision: p.revision, download_id: null, status: 'already_downloaded' as const, commit_sha: null, message: p.message },
        ),
      };
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
      return (await deps.catalog.filesOfDownload(id)).map((f) => ({
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
      await withTransaction(db, async (tx) => {
        if (await repo.cancel(tx, id)) await record(tx, caller, 'download.cancel', label(d), { download_id: id, kind: d.kind, was: d.status });
      });
      if (d.status === 'queued' && d.job_id) await queue.cancel(d.job_id);
      return toDownload((await repo.get(db, id))!);
    },

    async retry(id: string, caller: Caller): Promise<Download> {
      const d = await visible(id, caller);
      if (d.status !== 'failed' && d.status !== 'canceled')
        throw conflict(`Only failed or canceled downloads can be retried; this one is ${d.status}`, 'NotRetryable');
      await withTransaction(db, async (tx) => {
        await deps.catalog.resetFailed(tx, await repo.fileIds(tx, id));
        await repo.requeue(tx, id);
        await repo.setJobId(tx, id, await queue.send(tx, { downloadId: id }));
        await record(tx, caller, 'download.retry', label(d), { download_id: id, kind: d.kind, was: d.status });
      });
      queue.wake();
      return toDownload((await repo.get(db, id))!);
    },

    // Pause is the cancel above under the name people use for it: the job stops at once, gives its queue
    // slot back and keeps its partial files; its status is 'canceled', which clients show as "paused"
    // (contract/src/jobs.ts statusLabel). Resume queues it again and it continues from those files.
    async pause(id: string, caller: Caller): Promise<Download> {
      const d = await visible(id, caller);
      if (d.status === 'canceled') return toDownload(d);
      if (d.status !== 'queued' && d.status !== 'running')
        throw conflict(`Only a queued or running download can be paused; this one ${d.status === 'succeeded' ? 'succeeded' : `is ${d.status}`}`, 'NotPausable');
      return this.cancel(id, caller);
    },

    async resume(id: string, caller: Caller): Promise<Download> {
      const d = await visible(id, caller);
      if (d.status === 'queued' || d.status === 'running') return toDownload(d);
      if (d.status !== 'canceled')
        throw conflict(
          d.status === 'failed' ? 'This download failed rather than being paused: retry it (POST /downloads/:id/retry)' : 'This download already succeeded',
          'NotResumable',
        );
      return this.retry(id, caller);
    },
  };
}

export type DownloadsService = ReturnType<typeof createDownloadsService>;
