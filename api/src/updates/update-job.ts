// An update job (kind "update"): fetches into a staged folder only the files that changed at the Hub,
// carries the unchanged ones over, and swaps the staged folder in (revision-swap.ts); then the catalog
// entry takes the new commit's files. model_id is the staging entry, source_model_id the entry updated.
import { catalogRepository as catalog } from '../catalog/catalog.repository.ts';
import { stagingRepository as staging } from '../catalog/staging.repository.ts';
import { withTransaction } from '../db/pool.ts';
import { downloadsRepository as downloads, type DownloadRow } from '../downloads/downloads.repository.ts';
import type { FileLocks } from '../jobs/file-lock.ts';
import { JobRun, type JobContext } from '../jobs/job-run.ts';
import type { RunnableJob, StartJob } from '../jobs/runnable-job.ts';
import { carryOverUnchanged } from './carry-over.ts';
import { RevisionSwap, stagingParts } from './revision-swap.ts';

class UpdateJob implements RunnableJob {
  readonly controller = new AbortController();
  readonly #ctx: JobContext;
  readonly #locks: FileLocks;
  readonly #d: DownloadRow;

  constructor(ctx: JobContext, locks: FileLocks, d: DownloadRow) {
    this.#ctx = ctx;
    this.#locks = locks;
    this.#d = d;
  }

  async run(): Promise<void> {
    const { db } = this.#ctx;
    const d = this.#d;
    const modelId = d.source_model_id;
    const state = await this.#ctx.roots.guard(d.storage).state();
    let files = await catalog.filesOfDownload(db, d.id);
    let swap: RevisionSwap | null = null;
    if (state.ok && modelId) {
      swap = new RevisionSwap(state.root, d);
      if (await swap.started()) {
        // an earlier attempt moved the old folder away: its files are in place, only the rest is left
        files = [];
      } else {
        const current = await catalog.files(db, modelId);
        const from = `${d.revision} before this update`;
        const kept = await carryOverUnchanged(db, state.root, swap.live, swap.staging, files, current, from);
        if (kept.files) files = await catalog.filesOfDownload(db, d.id);
      }
    }
    // without its storage the run pauses (JobRun says so); without the entry it updates, it fails
    const run = new JobRun(this.#ctx, this.#locks, d, files, {
      workParts: stagingParts(d.model_id),
      beforeSuccess: async () => {
        if (!modelId || !swap) throw new Error('the catalog entry this update was for is gone (deleted?)');
        await this.#finish(swap, modelId);
      },
    });
    this.controller.signal.addEventListener('abort', () => run.controller.abort(this.controller.signal.reason), { once: true });
    if (this.controller.signal.aborted) run.controller.abort(this.controller.signal.reason);
    await run.run();
  }

  /** Swaps the folders, then the entry takes the staged files and the new commit, in one transaction. */
  async #finish(swap: RevisionSwap, modelId: string): Promise<void> {
    const { db } = this.#ctx;
    const d = this.#d;
    // files the catalog does not track (a user's own) stay in the revision folder
    const tracked = new Set((await catalog.files(db, modelId)).map((f) => f.path));
    await swap.swap((rel) => !tracked.has(rel));
    await withTransaction(db, async (tx) => {
      const fileIds = await staging.apply(tx, d.model_id, modelId);
      await downloads.moveToModel(tx, d.id, modelId, fileIds);
      await staging.remove(tx, d.model_id);
      await catalog.refreshModel(tx, modelId, d.commit_sha);
    });
  }
}

export const startUpdateJob: StartJob = (ctx, locks, d) => new UpdateJob(ctx, locks, d);
