import { randomUUID } from 'node:crypto';
import { access, constants, mkdir, statfs, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { HealthResponse } from '@d011dl/contract';
import type { Db } from '../db/pool.ts';
import { INTERNAL_DIR } from '../storage/layout.ts';

const msg = (err: unknown) => (err as Error).message ?? String(err);

export function createHealthService(deps: { db: Db; storageRoot: string; version: string }) {
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
  async function storage(): Promise<HealthResponse['checks']['storage']> {
    const root = deps.storageRoot;
    try {
      await access(root, constants.W_OK);
    } catch (err) {
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      return { ok: false, path: root, error: missing ? `STORAGE_ROOT ${root} does not exist (is the storage mounted?)` : `STORAGE_ROOT ${root} is not writable` };
    }
    try {
      const dir = path.join(root, INTERNAL_DIR);
      await mkdir(dir, { recursive: true });
      const probe = path.join(dir, `health-${randomUUID()}`);
      await writeFile(probe, 'ok');
      await unlink(probe);
      const fs = await statfs(root);
      return { ok: true, path: root, free_bytes: fs.bavail * fs.bsize, total_bytes: fs.blocks * fs.bsize };
    } catch (err) {
      return { ok: false, path: root, error: `cannot write to STORAGE_ROOT ${root}: ${msg(err)}` };
    }
  }

  return {
    async check(): Promise<HealthResponse> {
      const [db, st] = await Promise.all([database(), storage()]);
      return { status: db.ok && st.ok ? 'ok' : 'down', checks: { database: db, storage: st }, version: deps.version };
    },
  };
}
