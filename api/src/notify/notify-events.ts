// The events that notifications carry, written in the transaction of what caused them: a download that
// reached its final state (jobs/job-run.ts) or a new commit first seen on a downloaded branch
// (updates/updates.service.ts). A crash before that commit undoes both (the job runs again and ends
// again); after it, the deliveries are in the database and go out after a restart: one event per end.
import { randomUUID } from 'node:crypto';
import type { NotifyEvent } from '@d011dl/contract';
import type { Queryable } from '../db/pool.ts';
import type { DownloadRow } from '../downloads/downloads.repository.ts';
import { type ModelInfo, notifyRepository as repo } from './notify.repository.ts';

// Only what a person downloads; copies, moves and imports are library housekeeping.
const NOTIFIED_KINDS = new Set(['download', 'update']);

/** The documented payload (README, "Notifications"); `url` fields are added when sent, from PUBLIC_URL. */
export function eventPayload(event: NotifyEvent | 'test', eventId: string, parts: { download?: object; model?: object; message?: string }) {
  return { event, id: eventId, time: new Date().toISOString(), ...parts };
}

const modelPart = (m: ModelInfo) => ({
  id: m.id,
  repo: `${m.author}/${m.repo}`,
  revision: m.revision,
  storage: m.storage,
  commit: m.commit_sha,
  ...(m.hub_commit_sha === undefined ? {} : { hub_commit: m.hub_commit_sha }),
});

interface Logger {
  error(obj: object, msg: string): void;
}

/**
 * Writes the event's deliveries in `tx`. A fault here (a bug, a broken row) is logged and costs only the
 * notification: never the job's final state or the update check it rides with.
 */
async function enqueueSafely(tx: Queryable, log: Logger, what: string, fn: () => Promise<void>): Promise<void> {
  await repo.savepoint(tx, fn).catch((err) => log.error({ err }, `could not queue the notifications of ${what}`));
}

/** A job settled: download.succeeded or download.failed, for downloads and updates only. */
export async function notifyJobEnd(tx: Queryable, log: Logger, d: DownloadRow, final: { status: string; error: string | null }): Promise<void> {
  if (!NOTIFIED_KINDS.has(d.kind) || (final.status !== 'succeeded' && final.status !== 'failed')) return;
  await enqueueSafely(tx, log, `download ${d.id}`, () => enqueueJobEnd(tx, d, final));
}

async function enqueueJobEnd(tx: Queryable, d: DownloadRow, final: { status: string; error: string | null }): Promise<void> {
  const event: NotifyEvent = final.status === 'succeeded' ? 'download.succeeded' : 'download.failed';
  const m = await repo.model(tx, d.model_id, false);
  const eventId = randomUUID();
  const payload = eventPayload(event, eventId, {
    download: {
      id: d.id,
      kind: d.kind,
      repo: `${d.author}/${d.repo}`,
      revision: d.revision,
      commit: d.commit_sha,
      status: final.status,
      bytes_total: Number(d.bytes_total),
      files_total: d.files_total,
      ...(final.error ? { error: final.error } : {}),
      user: d.username,
    },
    ...(m ? { model: modelPart(m) } : {}),
  });
  await repo.enqueue(tx, { event, eventId, payload, ownerId: d.user_id });
}

/** The update check saw the branch at a new commit: update.available, unless pinned or already there. */
export async function notifyUpdateSeen(tx: Queryable, log: Logger, modelId: string): Promise<void> {
  await enqueueSafely(tx, log, `the update of ${modelId}`, () => enqueueUpdate(tx, modelId));
}

async function enqueueUpdate(tx: Queryable, modelId: string): Promise<void> {
  const m = await repo.model(tx, modelId, true);
  if (!m) return;
  const eventId = randomUUID();
  await repo.enqueue(tx, { event: 'update.available', eventId, payload: eventPayload('update.available', eventId, { model: modelPart(m) }), ownerId: null });
}
