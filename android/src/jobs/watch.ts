// Jobs started from this device, remembered so the user can be told when they finish — by the job
// screen while it is open, and by a background task while the app is closed (see ./background.ts).
import type { Download } from '@d011dl/contract';
import type { ApiClient } from '../api/client.ts';
import { KEYS, type KeyValueStore } from '../api/keys.ts';

const FINAL = new Set(['succeeded', 'failed', 'canceled']);

export async function watchedJobs(store: KeyValueStore): Promise<string[]> {
  try {
    const v = JSON.parse((await store.get(KEYS.watchedJobs)) ?? '[]');
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

export async function watchJob(store: KeyValueStore, id: string): Promise<void> {
  const ids = await watchedJobs(store);
  if (!ids.includes(id)) await store.set(KEYS.watchedJobs, JSON.stringify([...ids, id].slice(-50)));
}

export async function unwatchJob(store: KeyValueStore, id: string): Promise<boolean> {
  const ids = await watchedJobs(store);
  if (!ids.includes(id)) return false;
  await store.set(KEYS.watchedJobs, JSON.stringify(ids.filter((x) => x !== id)));
  return true;
}

/** Poll every watched job once; report each finished one (once) and stop watching it. */
export async function checkWatchedJobs(client: ApiClient, store: KeyValueStore, notify: (job: Download) => Promise<void> | void): Promise<number> {
  let finished = 0;
  for (const id of await watchedJobs(store)) {
    try {
      const job = await client.download(id);
      if (FINAL.has(job.status) && (await unwatchJob(store, id))) {
        finished++;
        await notify(job);
      }
    } catch {
      // unreachable server, expired session: try again next time
    }
  }
  return finished;
}

export function finishedText(job: Download): { title: string; body: string } {
  const name = `${job.author}/${job.repo}@${job.revision}`;
  if (job.status === 'succeeded') return { title: 'Download finished', body: `${name} is on the NAS: ${job.display_path}` };
  if (job.status === 'canceled') return { title: 'Download canceled', body: name };
  return { title: 'Download failed', body: `${name}: ${job.error ?? 'see the job log'}` };
}
