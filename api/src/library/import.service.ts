// Import from disk: finds `<root>/<Author>/<Repo>/<Revision>/` folders the catalog does not know (left by
// `hf download --local-dir`, hfdownloader or an earlier install) and queues one import job for each
// (import-job.ts hashes them against the Hub). Only real folders are walked: a symbolic link anywhere is
// skipped and named, never followed.
import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { HfNameSchema, RevisionSchema, type ImportResponse } from '@d011dl/contract';
import { catalogRepository as catalog } from '../catalog/catalog.repository.ts';
import type { AppConfig } from '../config/config.ts';
import type { CallerContext } from '../audit/audit-context.ts';
import type { AuditService } from '../audit/audit.service.ts';
import { withTransaction, type Db } from '../db/pool.ts';
import { downloadsRepository as repo } from '../downloads/downloads.repository.ts';
import type { DownloadQueue } from '../jobs/download-queue.ts';
import { INTERNAL_DIR, revisionFolder } from '../storage/layout.ts';
import { DEFAULT_ROOT, type StorageRoots } from '../storage/storage-roots.ts';

type Skipped = ImportResponse['skipped'][number];
interface Found {
  author: string;
  repo: string;
  revision: string;
}

/** The revision a folder name stands for (layout.ts revisionFolder, reversed), or null if it is none. */
export function revisionOfFolder(name: string): string | null {
  const revision = name.replaceAll('%2F', '/').replaceAll('%25', '%');
  if (revisionFolder(revision) !== name || !RevisionSchema.safeParse(revision).success) return null;
  return revision;
}

/** The entries of a folder by name; one that cannot be read (permissions) is skipped, saying so. */
async function entries(root: string, rel: string, skipped: Skipped[]): Promise<Dirent[]> {
  try {
    return (await readdir(path.join(root, rel), { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  } catch (err) {
    skipped.push({ path: rel || '.', reason: `cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` });
    return [];
  }
}

/** Which sub-folders of `dir` to walk into; everything else goes to `skipped` with why. */
function folders(list: Dirent[], rel: string, what: string, valid: (name: string) => boolean, skipped: Skipped[]): string[] {
  const out: string[] = [];
  for (const e of list) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isSymbolicLink()) skipped.push({ path: p, reason: 'a symbolic link: D011DL does not follow links inside the storage' });
    else if (!e.isDirectory()) skipped.push({ path: p, reason: `not a folder (expected a ${what} folder)` });
    else if (!valid(e.name)) skipped.push({ path: p, reason: `"${e.name}" is not a Hugging Face ${what} name` });
    else out.push(e.name);
  }
  return out;
}

/** Every revision folder under the root, by name rules only (the catalog is not consulted here). */
export async function scanRoot(root: string, skipped: Skipped[]): Promise<Found[]> {
  const found: Found[] = [];
  const isName = (n: string) => HfNameSchema.safeParse(n).success;
  const top = (await entries(root, '', skipped)).filter((e) => e.name !== INTERNAL_DIR);
  for (const author of folders(top, '', 'author', isName, skipped)) {
    for (const repo of folders(await entries(root, author, skipped), author, 'repo', isName, skipped)) {
      const rel = `${author}/${repo}`;
      const revs = folders(await entries(root, rel, skipped), rel, 'revision', (n) => revisionOfFolder(n) !== null, skipped);
      for (const folder of revs) {
        const inside = await readdir(path.join(root, rel, folder)).catch(() => null);
        if (inside === null) {
          skipped.push({ path: `${rel}/${folder}`, reason: 'cannot be read' });
          continue;
        }
        if (inside.length === 0) {
          skipped.push({ path: `${rel}/${folder}`, reason: 'an empty folder' });
          continue;
        }
        found.push({ author, repo, revision: revisionOfFolder(folder)! });
      }
    }
  }
  return found;
}

export function createImportService(deps: { db: Db; config: AppConfig; roots: StorageRoots; queue: DownloadQueue; audit: AuditService }) {
  const { db, config, queue } = deps;
  return {
    /** Queues an import job per revision folder on the root that the catalog does not know. */
    async importFromDisk(ctx: CallerContext, storage: string = DEFAULT_ROOT): Promise<ImportResponse> {
      // an unknown or unmounted root is refused (400, 503) before anything is read
      const root = await deps.roots.guard(storage).require();
      const skipped: Skipped[] = [];
      const found = await scanRoot(root, skipped);
      const known = await catalog.revisionsOn(db, storage);
      const imports: ImportResponse['imports'] = [];
      for (const f of found) {
        if (known.has(`${f.author}/${f.repo}/${f.revision}`)) continue;
        // the entry and its job are written with the queue's send: neither exists without the other
        const ids = await withTransaction(db, async (tx) => {
          const modelId = await catalog.upsertModel(tx, { storage, ...f });
          const id = await repo.insertDownload(tx, {
            userId: ctx.actor.sub,
            modelId,
            selection: [],
            force: false,
            commitSha: null,
            engine: config.downloads.engine,
            filesTotal: 0,
            bytesTotal: 0,
            kind: 'import',
          });
          await repo.setJobId(tx, id, await queue.send(tx, { downloadId: id }));
          await deps.audit.record(tx, { ...ctx, action: 'model.import', target: `${f.author}/${f.repo}@${f.revision}`, details: { storage, download_id: id } });
          return { download_id: id, model_id: modelId };
        });
        imports.push({ ...f, ...ids });
      }
      if (imports.length) queue.wake();
      return { imports, skipped };
    },
  };
}

export type ImportService = ReturnType<typeof createImportService>;
