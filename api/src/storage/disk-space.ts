import { statfs } from 'node:fs/promises';
import { formatBytes } from '@d011dl/contract';
import { HttpError } from '../http-errors.ts';

// sizes in the messages read as in the portal and the app (contract/src/format.ts)
export { formatBytes };

export async function freeBytes(dir: string): Promise<number> {
  try {
    const s = await statfs(dir);
    return s.bavail * s.bsize;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    throw new HttpError(503, 'StorageUnavailable', `The storage folder ${dir} does not exist (is the storage mounted?)`);
  }
}

/** Refuses a job that would fill the disk, counting what other queued and running jobs still need. */
export async function assertSpace(storageRoot: string, needed: number, reservedByOthers: number, reserve: number): Promise<void> {
  const free = await freeBytes(storageRoot);
  const available = free - reservedByOthers - reserve;
  if (needed > available) {
    const others = reservedByOthers > 0 ? `, and ${formatBytes(reservedByOthers)} is promised to other downloads` : '';
    const kept = reserve > 0 ? ` of which ${formatBytes(reserve)} is kept in reserve (DISK_RESERVE_MB)` : '';
    throw new HttpError(507, 'InsufficientStorage', `Not enough free space: ${formatBytes(needed)} needed, ${formatBytes(free)} free${kept}${others}.`);
  }
}
