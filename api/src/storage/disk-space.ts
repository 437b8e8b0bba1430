import { statfs } from 'node:fs/promises';
import { HttpError } from '../http-errors.ts';

export const formatBytes = (n: number) => {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v >= 100 || i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
};

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
