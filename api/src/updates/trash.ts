// <root>/.d011dl/trash/<YYYY-MM-DD>/ holds what updates replaced (whole old revision folders). Days older
// than TRASH_DAYS are removed; fs.rm removes links themselves, never what they point at.
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { INTERNAL_DIR } from '../storage/layout.ts';
import type { StorageRoots } from '../storage/storage-roots.ts';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Removes the trash days older than `days` on every usable root; returns the folders removed. */
export async function sweepTrash(roots: StorageRoots, days: number, now = new Date()): Promise<string[]> {
  const cutoff = new Date(now.getTime() - days * 86_400_000).toISOString().slice(0, 10);
  const removed: string[] = [];
  for (const name of roots.names) {
    const state = await roots.guard(name).state();
    if (!state.ok) continue;
    const trash = path.join(state.root, INTERNAL_DIR, 'trash');
    for (const e of await readdir(trash, { withFileTypes: true }).catch(() => [])) {
      if (!e.isDirectory() || !DAY.test(e.name) || e.name > cutoff) continue;
      await rm(path.join(trash, e.name), { recursive: true, force: true });
      removed.push(path.join(trash, e.name));
    }
  }
  return removed;
}

/** Sweeps now and every few hours until the returned stop is called. */
export function scheduleTrashSweep(roots: StorageRoots, days: number, log: { info(msg: string): void; warn(obj: object, msg: string): void }): () => void {
  const sweep = () =>
    sweepTrash(roots, days).then(
      (gone) => gone.length && log.info(`trash: removed ${gone.join(', ')} (older than TRASH_DAYS=${days})`),
      (err: Error) => log.warn({ err }, 'trash: could not sweep'),
    );
  void sweep();
  const timer = setInterval(sweep, 6 * 3600_000);
  timer.unref();
  return () => clearInterval(timer);
}
