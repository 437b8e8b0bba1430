import type { CheckUpdateResponse, ModelChanges, UpdateState } from '@d011dl/contract';
import type { FastifyBaseLogger } from 'fastify';
import type { CatalogService } from '../catalog/catalog.service.ts';
import { type Db, withTransaction } from '../db/pool.ts';
import { conflict, HttpError, notFound } from '../http-errors.ts';
import type { HubService } from '../hub/hub.service.ts';
import { notifyUpdateSeen } from '../notify/notify-events.ts';
import { diffFiles, summarise } from './diff.ts';
import { updateFields } from './update-fields.ts';
import { type UpdateRow, updatesRepository as repo } from './updates.repository.ts';

// a full commit id or a pull-request ref never moves as a branch does (tags: only the Hub can tell)
const mayBeBranch = (revision: string) => !/^[0-9a-f]{40}$/.test(revision) && !revision.startsWith('refs/');
// one Hub call per repo; the rest wait for the next tick (a big catalog is checked over several)
const CLAIM_LIMIT = 200;

type Kind = 'branch' | 'tag' | 'unknown';

export function createUpdatesService(deps: { db: Db; hub: HubService; catalog: CatalogService; log: FastifyBaseLogger }) {
  const { db, hub, catalog, log } = deps;

  async function requireRow(id: string): Promise<UpdateRow> {
    const row = await repo.get(db, id);
    if (!row) throw notFound(`No model with id ${id}`);
    return row;
  }

  const toState = (row: UpdateRow, kind?: Kind): UpdateState => ({
    model_id: row.id,
    revision: row.revision,
    checkable: mayBeBranch(row.revision) && (kind ?? row.ref_kind) !== 'tag',
    commit_sha: row.commit_sha,
    check_error: row.update_check_error,
    ...updateFields(row),
  });

  /** One refs call per repo; records each revision's branch commit (or why there is none). */
  async function checkRows(rows: UpdateRow[]): Promise<Map<string, Kind>> {
    const kinds = new Map<string, Kind>();
    const byRepo = new Map<string, UpdateRow[]>();
    for (const r of rows) {
      const key = `${r.author}/${r.repo}`;
      byRepo.set(key, [...(byRepo.get(key) ?? []), r]);
    }
    for (const group of byRepo.values()) {
      const { author, repo: name } = group[0]!;
      let refs: Awaited<ReturnType<HubService['refs']>>;
      try {
        refs = await hub.refs(author, name, false);
      } catch (err) {
        const why = err instanceof HttpError ? err.message : 'the Hub could not be asked';
        if (!(err instanceof HttpError)) log.warn({ err, repo: `${author}/${name}` }, 'update check failed');
        for (const r of group) {
          await repo.recordBranch(db, r.id, r.hub_commit_sha, why);
          kinds.set(r.id, 'unknown');
        }
        continue;
      }
      for (const r of group) {
        // git reads a name as a tag before a branch, as the Hub did when the download resolved it
        const tag = refs.refs.find((x) => x.kind === 'tag' && x.name === r.revision);
        const branch = refs.refs.find((x) => x.kind === 'branch' && x.name === r.revision);
        if (tag) await repo.recordTag(db, r.id);
        else if (branch)
          // a commit seen for the first time is notified (update.available) in the same transaction
          await withTransaction(db, async (tx) => {
            if ((await repo.recordBranch(tx, r.id, branch.commit, null)) !== branch.commit) await notifyUpdateSeen(tx, log, r.id);
          });
        else await repo.recordBranch(db, r.id, r.hub_commit_sha, `the Hub has no branch "${r.revision}" any more`);
        kinds.set(r.id, tag ? 'tag' : branch ? 'branch' : 'unknown');
      }
    }
    return kinds;
  }

  async function changesOf(row: UpdateRow): Promise<ModelChanges> {
    const { update_available: moved, hub_commit_sha: to } = updateFields(row);
    if (!moved || !to || !row.commit_sha) return summarise(row.id, row.commit_sha, to, []);
    const newTree = await hub.listAll(row.author, row.repo, to);
    // the downloaded commit may be gone from the Hub (a force-push): the catalog's record then stands in
    const oldTree = await hub.listAll(row.author, row.repo, row.commit_sha).catch((err) => {
      if (err instanceof HttpError && err.statusCode === 404) return null;
      throw err;
    });
    return summarise(row.id, row.commit_sha, to, diffFiles(newTree, oldTree, await catalog.listFiles(row.id)));
  }

  return {
    /** Checks the revisions that are due; what the scheduler runs. Returns how many were checked. */
    async checkDue(intervalH: number): Promise<number> {
      const rows = await repo.claimDue(db, intervalH, CLAIM_LIMIT);
      if (rows.length) await checkRows(rows);
      return rows.length;
    },

    async checkNow(id: string): Promise<CheckUpdateResponse> {
      const row = await requireRow(id);
      if (row.pinned) throw conflict(`${row.author}/${row.repo} at ${row.revision} is pinned: unpin it to check for updates`, 'Pinned');
      if (!row.commit_sha) throw conflict(`${row.author}/${row.repo} at ${row.revision} has no downloaded commit yet: nothing to compare`, 'NotDownloaded');
      if (!mayBeBranch(row.revision) || row.ref_kind === 'tag') return { ...toState(row), changes: null };
      const kind = (await checkRows([row])).get(row.id);
      const now = await requireRow(id);
      return { ...toState(now, kind), changes: updateFields(now).update_available ? await changesOf(now) : null };
    },

    async changes(id: string): Promise<ModelChanges> {
      return changesOf(await requireRow(id));
    },

    async pin(id: string, pinned: boolean): Promise<UpdateState> {
      const row = await repo.setPinned(db, id, pinned);
      if (!row) throw notFound(`No model with id ${id}`);
      return toState(row);
    },
  };
}

export type UpdatesService = ReturnType<typeof createUpdatesService>;
