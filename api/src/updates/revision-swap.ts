// The end of an update: the staged folder (<root>/.d011dl/staging/<entry>/, complete: downloaded files
// plus the unchanged ones linked in) replaces the revision folder in two renames, so the folder never
// holds files of two commits. The old folder goes, whole, to <root>/.d011dl/trash/<day>/…, kept
// TRASH_DAYS. Each step can be resumed after a crash: the folders on disk say how far it got.
import { link, readdir, rename } from 'node:fs/promises';
import path from 'node:path';
import type { DownloadRow } from '../downloads/downloads.repository.ts';
import { PARTIAL_SUFFIX } from '../engine/sidecar.ts';
import { INTERNAL_DIR, revisionFolder } from '../storage/layout.ts';
import { ensureDirNoSymlinks, lstatOrNull } from '../storage/safe-fs.ts';

export const stagingParts = (stagingId: string) => [INTERNAL_DIR, 'staging', stagingId];

/** A day's trash folder name (the server's date, YYYY-MM-DD). */
export const trashDay = (d: Date) => d.toISOString().slice(0, 10);

export class RevisionSwap {
  readonly live: string;
  readonly staging: string;
  readonly trash: string;
  readonly #root: string;

  /** `root` is the real path of the revision's storage root. */
  constructor(root: string, d: DownloadRow) {
    this.#root = root;
    this.live = path.join(root, d.author, d.repo, revisionFolder(d.revision));
    this.staging = path.join(root, ...stagingParts(d.model_id));
    // named after the job: a resumed attempt finds what an earlier one moved
    this.trash = path.join(root, INTERNAL_DIR, 'trash', trashDay(d.created_at), d.author, d.repo, `${revisionFolder(d.revision)}.${d.id.slice(0, 8)}`);
  }

  /** True once the old folder went to the trash: only the rest of the swap is left to do. */
  async started(): Promise<boolean> {
    return (await lstatOrNull(this.trash))?.isDirectory() ?? false;
  }

  /**
   * Links into the staged folder every file of the revision folder that the update does not replace and
   * that `keep` accepts (files the catalog does not track: a user's own), then swaps the folders.
   * Files a filesystem cannot link are moved after the swap instead.
   */
  async swap(keep: (relPath: string) => boolean): Promise<void> {
    if (!(await this.started())) {
      if ((await lstatOrNull(this.live))?.isDirectory()) {
        for (const rel of await regularFiles(this.live)) {
          if (!keep(rel) || (await lstatOrNull(path.join(this.staging, rel)))) continue;
          await this.#ensureParent(this.staging, rel);
          // not linkable here (some network filesystems): moved from the trash after the swap
          await link(path.join(this.live, rel), path.join(this.staging, rel)).catch(() => {});
        }
        await ensureDirNoSymlinks(this.#root, this.#parts(path.dirname(this.trash)));
        await rename(this.live, this.trash);
      } else {
        // nothing to move away (the folder was deleted by hand): an empty trash folder marks the step
        await ensureDirNoSymlinks(this.#root, this.#parts(this.trash));
      }
    }
    if ((await lstatOrNull(this.staging))?.isDirectory()) {
      await ensureDirNoSymlinks(this.#root, this.#parts(path.dirname(this.live)));
      await rename(this.staging, this.live);
    }
    for (const rel of await regularFiles(this.trash)) {
      if (!keep(rel) || (await lstatOrNull(path.join(this.live, rel)))) continue;
      await this.#ensureParent(this.live, rel);
      await rename(path.join(this.trash, rel), path.join(this.live, rel));
    }
  }

  #parts(p: string): string[] {
    return path.relative(this.#root, p).split(path.sep).filter(Boolean);
  }

  async #ensureParent(base: string, rel: string): Promise<void> {
    await ensureDirNoSymlinks(this.#root, this.#parts(path.join(base, path.dirname(rel))));
  }
}

/** Regular files under `dir`, relative and with "/" separators; links and partial files are left out. */
async function regularFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const e of await readdir(path.join(dir, rel), { withFileTypes: true }).catch(() => [])) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(r);
      else if (e.isFile() && !e.name.includes(PARTIAL_SUFFIX)) out.push(r);
    }
  };
  await walk('');
  return out;
}
