// Disk usage per storage root (GET /storage): what the filesystem says (as df) and what D011DL keeps there.
import { statfs } from 'node:fs/promises';
import type { StorageResponse } from '@d011dl/contract';
import type { CatalogService } from '../catalog/catalog.service.ts';
import { displayPath } from './display-path.ts';
import type { StorageRoots } from './storage-roots.ts';

const LARGEST = 10;

export function createStorageService(deps: { roots: StorageRoots; catalog: CatalogService; reserveBytes: () => number }) {
  return {
    async overview(): Promise<StorageResponse> {
      const usage = new Map((await deps.catalog.usageByRoot(LARGEST)).map((u) => [u.storage, u]));
      const roots = await Promise.all(
        deps.roots.list.map(async (root, i) => {
          const state = await deps.roots.guard(root.name).state();
          // df's Size and Available: blocks and blocks available to unprivileged users
          const fs = state.ok ? await statfs(state.root).catch(() => null) : null;
          const u = usage.get(root.name);
          return {
            name: root.name,
            path: root.path,
            display_path: displayPath(root.path, root.path, root.displayRoot),
            is_default: i === 0,
            ok: state.ok,
            problem: state.ok ? null : state.message,
            total_bytes: fs ? fs.blocks * fs.bsize : null,
            free_bytes: fs ? fs.bavail * fs.bsize : null,
            reserve_bytes: deps.reserveBytes(),
            used_bytes: u?.used ?? 0,
            models: u?.models ?? 0,
            largest: (u?.largest ?? []).map((m) => ({
              id: m.id,
              author: m.author,
              repo: m.repo,
              revision: m.revision,
              bytes_on_disk: Number(m.bytes_on_disk),
            })),
          };
        }),
      );
      return { roots };
    },
  };
}

export type StorageService = ReturnType<typeof createStorageService>;
