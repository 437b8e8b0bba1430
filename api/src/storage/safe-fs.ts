// File operations that never leave the storage. Anyone who can write to the NAS share (an SMB user,
// another container with the volume) could plant a symbolic link where D011DL is about to write; the
// API, possibly running as root, must then neither write through it nor create folders behind it.
// Folders are walked one component at a time from the (real) storage root with lstat, and files are
// opened with O_NOFOLLOW; a non-regular leftover where a partial file belongs is removed, never used.
import { constants } from 'node:fs';
import { lstat, mkdir, open, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { INTERNAL_DIR } from './layout.ts';

/** A path in the storage that D011DL refuses to use; the message says why in plain words. */
export class UnsafePathError extends Error {
  readonly code = 'UnsafePath';
  readonly path: string;
  constructor(p: string, message: string) {
    super(message);
    this.name = 'UnsafePathError';
    this.path = p;
  }
}

export const symlinkRefusal = (p: string) =>
  new UnsafePathError(
    p,
    `${p} is a symbolic link; D011DL does not follow links inside the storage (they could point outside it). Replace it with a real folder or remove it.`,
  );

/** True when `p` is `root` or lies under it (both absolute, normalised). */
export function isUnder(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** The relative parts of `p` under `root`, or an UnsafePathError when `p` is not under it. */
export function partsUnder(root: string, p: string): string[] {
  const abs = path.resolve(p);
  if (!isUnder(root, abs)) throw new UnsafePathError(abs, `${abs} is outside the storage (${root})`);
  return path.relative(root, abs).split(path.sep).filter(Boolean);
}

/**
 * Creates `root/relParts…` one folder at a time, refusing any component that is a symbolic link or
 * not a folder. `root` must already be a real path (realpath of STORAGE_ROOT). Returns the folder.
 * A folder is only created while `root` holds D011DL's folder: an unmounted NAS leaves an empty mount
 * point, and nothing may be created there even if it is unmounted between a check and this call.
 */
export async function ensureDirNoSymlinks(root: string, relParts: string[], opts: { initialising?: boolean } = {}): Promise<string> {
  let dir = root;
  for (const part of relParts) {
    if (!part || part === '.' || part === '..' || part.includes('/') || part.includes('\0')) {
      throw new UnsafePathError(path.join(dir, part), `refusing the folder name "${part}" in ${dir}`);
    }
    dir = path.join(dir, part);
    let st = await lstat(dir).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return null;
      throw err;
    });
    if (!st) {
      if (!opts.initialising && !(await lstatOrNull(path.join(root, INTERNAL_DIR)))?.isDirectory()) {
        throw new UnsafePathError(dir, `not creating ${dir}: the storage ${root} is not initialised (is it mounted?)`);
      }
      try {
        await mkdir(dir);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      st = await lstat(dir);
    }
    if (st.isSymbolicLink()) throw symlinkRefusal(dir);
    if (!st.isDirectory()) throw new UnsafePathError(dir, `${dir} should be a folder but is a file`);
  }
  return dir;
}

/**
 * Checks, without creating anything, that no existing folder of `root/relParts…` is a symbolic link
 * (for refusing a download up front). Missing folders are fine: they will be created as real ones.
 */
export async function assertNoSymlinks(root: string, relParts: string[]): Promise<void> {
  let dir = root;
  for (const part of relParts) {
    dir = path.join(dir, part);
    const st = await lstat(dir).catch(() => null);
    if (!st) return;
    if (st.isSymbolicLink()) throw symlinkRefusal(dir);
    if (!st.isDirectory()) throw new UnsafePathError(dir, `${dir} should be a folder but is a file`);
  }
}

/**
 * Makes sure nothing but a regular file with a single link sits at `p` (a file we may write into):
 * a symbolic link, FIFO, socket or hard link to some other file is removed (only the name, never what
 * it points at). A folder is refused. Returns whether a regular file is there.
 */
export async function clearNonRegular(p: string): Promise<boolean> {
  const st = await lstat(p).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENAMETOOLONG') return null;
    throw err;
  });
  if (!st) return false;
  if (st.isFile() && st.nlink <= 1) return true;
  if (st.isDirectory()) throw new UnsafePathError(p, `${p} is a folder where D011DL keeps a partial file; remove it`);
  await unlink(p).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
  return false;
}

/**
 * open(2) with O_NOFOLLOW, after clearing any non-regular leftover at `p` when the file may be
 * created or written. A link planted between the check and the open still fails (ELOOP) instead of
 * being followed, with a clear error.
 */
export async function openNoFollow(p: string, flags: number, mode = 0o644): Promise<FileHandle> {
  const writes = (flags & (constants.O_WRONLY | constants.O_RDWR | constants.O_CREAT)) !== 0;
  if (writes) await clearNonRegular(p);
  try {
    return await open(p, flags | constants.O_NOFOLLOW, mode);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw symlinkRefusal(p);
    throw err;
  }
}

/** lstat that answers null for a missing path. */
export async function lstatOrNull(p: string) {
  return lstat(p).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENAMETOOLONG') return null;
    throw err;
  });
}
