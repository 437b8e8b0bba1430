// Who may reconcile the catalog with the disk, and how much of it at once. A size rescan is cheap (one
// stat per file) and only corrects the catalog, so anyone who downloaded the model may run it. A hash
// rescan re-reads every byte (a 500 GB model is about 19 minutes of NAS reads) and mark-missing flips
// the model for every user: administrators only, and one hash rescan per model at a time.
import type { Db } from '../db/pool.ts';
import { conflict, forbidden } from '../http-errors.ts';
import { rescanGuardRepository as repo } from './rescan-guard.repository.ts';

export interface RescanCaller {
  id: string;
  admin: boolean;
}

export function createRescanGuard(deps: { db: Db }) {
  const { db } = deps;
  // this instance's hash rescans, refused without a database round trip
  const running = new Set<string>();

  return {
    async checkRescan(caller: RescanCaller, modelId: string, hashes: boolean): Promise<void> {
      if (caller.admin) return;
      if (hashes)
        throw forbidden(
          'Only administrators can rescan with hashes: it re-reads every byte of the model. A rescan without hashes (sizes only) is open to you',
          'AdminOnly',
        );
      if (!(await repo.hasDownloaded(db, caller.id, modelId))) throw forbidden('You can rescan only models you downloaded', 'NotYourModel');
    },

    checkMarkMissing(caller: RescanCaller): void {
      if (!caller.admin) throw forbidden('Only administrators can mark missing files: it changes the model for every user', 'AdminOnly');
    },

    /** Runs `fn` unless a hash rescan of this model is already running here or on another instance. */
    async exclusiveHashRescan<T>(modelId: string, fn: () => Promise<T>): Promise<T> {
      const busy = () => conflict('A rescan with hashes of this model is already running: wait for it to finish', 'RescanRunning');
      if (running.has(modelId)) throw busy();
      running.add(modelId);
      try {
        const client = await db.connect();
        let locked = false;
        let unlocked = true;
        try {
          locked = await repo.tryLockHashRescan(client, modelId);
          if (!locked) throw busy();
          return await fn();
        } finally {
          if (locked)
            unlocked = await repo.unlockHashRescan(client, modelId).then(
              () => true,
              () => false,
            );
          // a connection that may still hold the lock is closed rather than handed out again
          client.release(!unlocked);
        }
      } finally {
        running.delete(modelId);
      }
    },
  };
}

export type RescanGuard = ReturnType<typeof createRescanGuard>;
