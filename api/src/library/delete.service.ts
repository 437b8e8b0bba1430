// Deleting a revision, or some of its files, from disk and from the catalog (issue 14). Only files the
// catalog tracks (and their partial files) are removed, through remove-files.ts: no link is followed
// and nothing outside the revision folder is touched; files the catalog does not know are left.
import type { DeleteModelResponse } from '@d011dl/contract';
import { catalogRepository as catalog } from '../catalog/catalog.repository.ts';
import type { AuditContext } from '../audit/audit-context.ts';
import type { AuditService } from '../audit/audit.service.ts';
import { withTransaction, type Db, type Queryable } from '../db/pool.ts';
import { downloadsRepository as downloads } from '../downloads/downloads.repository.ts';
import { conflict, notFound } from '../http-errors.ts';
import { finalPath } from '../storage/file-paths.ts';
import { modelDir } from '../storage/layout.ts';
import { lstatOrNull, UnsafePathError } from '../storage/safe-fs.ts';
import type { StorageRoots } from '../storage/storage-roots.ts';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { stagingRepository as staging } from '../catalog/staging.repository.ts';
import { stagingParts } from '../updates/revision-swap.ts';
import { removeRevisionFiles, type Removed } from './remove-files.ts';

const KIND_WORDS = { download: 'a download', copy: 'a copy', move: 'a move', import: 'an import', update: 'an update' } as const;

type ModelOf = NonNullable<Awaited<ReturnType<typeof catalog.model>>>;
const label = (m: ModelOf) => `${m.author}/${m.repo}@${m.revision} on "${m.storage}"`;

export function createDeleteService(deps: { db: Db; roots: StorageRoots; audit: AuditService }) {
  const { db, roots, audit } = deps;
  const target = (m: ModelOf) => `${m.author}/${m.repo}@${m.revision}`;

  /**
   * Inside a transaction that holds the model's row (a new download of it waits for the end): refuses
   * while a job is queued or running on it, then removes `paths` from its folder.
   */
  async function removeLocked(
    tx: Queryable,
    modelId: string,
    paths: string[] | null,
    run: { removing: boolean },
  ): Promise<{ m: ModelOf; removed: Removed | null; paths: string[] }> {
    if (!(await catalog.lockModel(tx, modelId))) throw notFound(`No model with id ${modelId}`);
    const m = (await catalog.model(tx, modelId))!;
    const jobs = await downloads.activeJobsOn(tx, modelId);
    if (jobs.length) {
      const j = jobs[0]!;
      throw conflict(
        `${label(m)} cannot be deleted while ${KIND_WORDS[j.kind]} job (${j.id}) is ${j.status} on it. Cancel the job or wait until it ends, then delete again.`,
        'JobActive',
      );
    }
    const tracked = (await catalog.files(tx, modelId)).map((f) => f.path);
    let chosen = tracked;
    if (paths) {
      const known = new Set(tracked);
      const unknown = paths.filter((p) => !known.has(p));
      if (unknown.length)
        throw notFound(`Not files of ${label(m)}: ${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? ` and ${unknown.length - 5} more` : ''}`);
      chosen = [...new Set(paths)];
    }
    // a root taken out of STORAGE_ROOTS: its files cannot be reached, only the catalog's rows go
    if (!roots.has(m.storage)) return { m, removed: null, paths: chosen };
    // an unmounted root must not be mistaken for an empty folder: 503 before anything changes
    const root = await roots.guard(m.storage).require();
    run.removing = true;
    try {
      return { m, removed: await removeRevisionFiles(root, modelDir(root, m.author, m.repo, m.revision), chosen), paths: chosen };
    } catch (err) {
      throw err instanceof UnsafePathError ? conflict(err.message, 'UnsafeStoragePath') : err;
    }
  }

  const answer = (m: ModelOf, removed: Removed | null, what: string): DeleteModelResponse =>
    removed
      ? { deleted_files: removed.deleted, freed_bytes: removed.freedBytes }
      : {
          deleted_files: 0,
          freed_bytes: 0,
          note: `The storage root "${m.storage}" is not configured any more (STORAGE_ROOTS): ${what} left the catalog, the files were left on disk.`,
        };

  /**
   * After a refusal part-way (a link found in a sub-folder), files already removed must not stay
   * "done" in the catalog: those no longer on disk lose their rows.
   */
  async function forgetRemoved(modelId: string, run: { removing: boolean }, err: unknown): Promise<never> {
    if (!run.removing) throw err;
    const m = await catalog.model(db, modelId);
    if (m && roots.has(m.storage)) {
      const root = await roots.guard(m.storage).require();
      const dir = modelDir(root, m.author, m.repo, m.revision);
      const gone: string[] = [];
      for (const f of await catalog.files(db, modelId)) if (f.status === 'done' && !(await lstatOrNull(finalPath(dir, f.path)))) gone.push(f.path);
      if (gone.length) {
        await catalog.deleteFiles(db, modelId, gone);
        await catalog.refreshModel(db, modelId, null);
      }
    }
    throw err;
  }

  return {
    /** Removes the revision's tracked files from disk and the revision from the catalog. */
    async deleteModel(ctx: AuditContext, modelId: string): Promise<DeleteModelResponse> {
      const run = { removing: false };
      try {
        return await withTransaction(db, async (tx) => {
          const { m, removed } = await removeLocked(tx, modelId, null, run);
          // an update left unfinished (canceled) keeps a staged folder: it goes with the revision
          const staged = await staging.of(tx, modelId);
          if (staged && roots.has(m.storage))
            await rm(path.join(await roots.guard(m.storage).require(), ...stagingParts(staged)), { recursive: true, force: true });
          await catalog.deleteModel(tx, modelId);
          const done = answer(m, removed, 'the revision');
          await audit.record(tx, { ...ctx, action: 'model.delete', target: target(m), details: { storage: m.storage, ...done } });
          return done;
        });
      } catch (err) {
        return forgetRemoved(modelId, run, err);
      }
    },

    /** Removes chosen files of a revision from disk and from the catalog; the revision's totals follow. */
    async deleteFiles(ctx: AuditContext, modelId: string, paths: string[]): Promise<DeleteModelResponse> {
      const run = { removing: false };
      try {
        return await withTransaction(db, async (tx) => {
          const { m, removed, paths: chosen } = await removeLocked(tx, modelId, paths, run);
          await catalog.deleteFiles(tx, modelId, chosen);
          await catalog.refreshModel(tx, modelId, null);
          const done = answer(m, removed, 'the chosen files');
          // the first paths name what went; a long list is cut short, the count says how many
          const details = { storage: m.storage, paths: chosen.slice(0, 20), ...done };
          await audit.record(tx, { ...ctx, action: 'model.delete_files', target: target(m), details });
          return done;
        });
      } catch (err) {
        return forgetRemoved(modelId, run, err);
      }
    },
  };
}

export type DeleteService = ReturnType<typeof createDeleteService>;
