import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { statfs, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { HealthResponse } from '@d011dl/contract';
import type { Db } from '../db/pool.ts';
import { INTERNAL_DIR } from '../storage/layout.ts';
import { ensureDirNoSymlinks, openNoFollow } from '../storage/safe-fs.ts';
import type { StorageGuard } from '../storage/storage-guard.ts';
import type { StorageRoots } from '../storage/storage-roots.ts';

const msg = (err: unknown) => (err as Error).message ?? String(err);

export function createHealthService(deps: { db: Db; roots: StorageRoots; version: string }) {
  async function database(): Promise<HealthResponse['checks']['database']> {
    try {
      await deps.db.query('SELECT 1');
      return { ok: true };
    } catch (err) {
      return { ok: false, error: `database unreachable: ${msg(err)}` };
    }
  }

  // Existence and a real write: a NAS that is unmounted or mounted read-only must show up here,
  // not as failed downloads later.
  async function storage(guard: StorageGuard): Promise<HealthResponse['checks']['storage']> {
    const root = guard.root.path;
    // mounted (its marker is there), not read-only: storage-guard.ts
    const state = await guard.state();
    if (!state.ok) return { ok: false, path: root, error: state.message };
    try {
      const dir = await ensureDirNoSymlinks(state.root, [INTERNAL_DIR]);
      const probe = path.join(dir, `health-${randomUUID()}`);
      const fh = await openNoFollow(probe, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL);
      try {
        await fh.writeFile('ok');
      } finally {
        await fh.close();
      }
      await unlink(probe);
      const fs = await statfs(root);
      return { ok: true, path: root, free_bytes: fs.bavail * fs.bsize, total_bytes: fs.blocks * fs.bsize };
    } catch (err) {
      return { ok: false, path: root, error: `cannot write to ${guard.label} ${root}: ${msg(err)}` };
    }
  }

  return {
    async check(): Promise<HealthResponse> {
      const [db, ...roots] = await Promise.all([database(), ...deps.roots.names.map((n) => storage(deps.roots.guard(n)))]);
      const st = roots[0]!;
      const status = !db.ok || !st.ok ? 'down' : roots.every((r) => r.ok) ? 'ok' : 'degraded';
      return {
        status,
        checks: { database: db, storage: st, roots: roots.map((r, i) => ({ name: deps.roots.names[i]!, ...r })) },
        version: deps.version,
      };
    },
  };
}
