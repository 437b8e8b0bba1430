// The root a copy reads from may be mounted read-only (an archive on a NAS): a copy only reads it, so
// that is fine once the root is mounted and marked. A move deletes from its source: it needs it writable.
import { realpath } from 'node:fs/promises';
import type { StorageState } from '../storage/storage-guard.ts';
import type { StorageRoots } from '../storage/storage-roots.ts';

export async function sourceRootState(roots: StorageRoots, name: string, kind: 'copy' | 'move'): Promise<StorageState> {
  const s = await roots.guard(name).state();
  // the guard says "read-only" only after the marker proved the right storage is mounted
  if (s.ok || kind === 'move' || s.problem !== 'ReadOnly') return s;
  return { ok: true, root: await realpath(roots.path(name)!) };
}
