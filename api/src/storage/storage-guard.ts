// Knows whether STORAGE_ROOT is the storage this installation initialised. A NAS that is not mounted
// leaves an empty folder (the mount point) on the local disk: writing there would fill the local disk
// and the files would vanish behind the NAS once it is mounted again. The storage carries a marker
// (<root>/.d011dl/storage-id, written on first use and recorded in the database): no marker where the
// database says there was one, or a root on its parent's device although it was a mount of its own,
// means "not mounted". Health answers 503, new downloads are refused and running jobs pause.
import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { access, realpath, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import type { StorageRootConfig } from '../config/config.ts';
import { DEFAULT_ROOT } from '../config/storage-roots.ts';
import type { Db } from '../db/pool.ts';
import { HttpError } from '../http-errors.ts';
import { INTERNAL_DIR } from './layout.ts';
import { ensureDirNoSymlinks, lstatOrNull, openNoFollow } from './safe-fs.ts';
import { storageRepository as repo, type StorageRecord } from './storage.repository.ts';

export const MARKER_FILE = 'storage-id';

export type StorageProblem = 'Missing' | 'NotMounted' | 'ReadOnly' | 'NotWritable' | 'Unchecked';
export type StorageState = { ok: true; root: string } | { ok: false; problem: StorageProblem; message: string };

interface Log {
  info(msg: string): void;
}

export function createStorageGuard(deps: { db: Db; root: StorageRootConfig; log: Log }) {
  const configured = deps.root.path;
  const name = deps.root.name;
  // the default root is the one people set as STORAGE_ROOT; the others they know by name
  const label = name === DEFAULT_ROOT ? 'STORAGE_ROOT' : `storage root "${name}"`;
  // once read, the database's record never changes (one row, never updated)
  let recorded: StorageRecord | null = null;
  let initialising: Promise<StorageState> | null = null;

  const down = (problem: StorageProblem, message: string): StorageState => ({ ok: false, problem, message });

  async function readMarker(root: string): Promise<StorageRecord | null> {
    const file = path.join(root, INTERNAL_DIR, MARKER_FILE);
    // a linked .d011dl folder could lend the marker of another storage
    if (!(await lstatOrNull(path.dirname(file)))?.isDirectory() || !(await lstatOrNull(file))?.isFile()) return null;
    const fh = await openNoFollow(file, constants.O_RDONLY);
    try {
      const j = JSON.parse(await fh.readFile('utf8')) as Partial<StorageRecord>;
      if (typeof j.storage_id !== 'string' || typeof j.separate_mount !== 'boolean') return null;
      return { storage_id: j.storage_id, separate_mount: j.separate_mount };
    } catch {
      return null;
    } finally {
      await fh.close();
    }
  }

  async function writeMarker(root: string, rec: StorageRecord): Promise<void> {
    const dir = await ensureDirNoSymlinks(root, [INTERNAL_DIR], { initialising: true });
    const tmp = path.join(dir, `${MARKER_FILE}.${randomUUID()}.tmp`);
    const fh = await openNoFollow(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL);
    try {
      await fh.writeFile(`${JSON.stringify({ ...rec, created_at: new Date().toISOString() })}\n`);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path.join(dir, MARKER_FILE));
  }

  /** A mount of its own sits on another device than its parent folder. */
  async function isSeparateMount(root: string): Promise<boolean> {
    const [a, b] = await Promise.all([stat(root), stat(path.dirname(root))]);
    return a.dev !== b.dev;
  }

  async function writable(root: string): Promise<StorageState | null> {
    try {
      await access(root, constants.W_OK);
      return null;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EROFS') return down('ReadOnly', `storage is read-only: ${configured} is mounted read-only; D011DL needs to write to it`);
      // gone since it was found a moment ago (an unmount under way): say so, not "not writable"
      if (code === 'ENOENT') return down('Missing', `${label} ${configured} does not exist (is the storage mounted?)`);
      return down('NotWritable', `${label} ${configured} is not writable by the API's user`);
    }
  }

  async function initialise(root: string): Promise<StorageState> {
    const separate = await isSeparateMount(root);
    deps.log.info(`initialising the storage at ${configured}: writing its marker ${INTERNAL_DIR}/${MARKER_FILE}${separate ? ' (a mount of its own)' : ''}`);
    const rec: StorageRecord = { storage_id: randomUUID(), separate_mount: separate };
    await writeMarker(root, rec);
    recorded = await repo.record(deps.db, name, rec);
    return { ok: true, root };
  }

  async function check(): Promise<StorageState> {
    let root: string;
    try {
      root = await realpath(configured);
      if (!(await stat(root)).isDirectory()) return down('Missing', `${label} ${configured} is not a folder`);
    } catch (err) {
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      return down(
        missing ? 'Missing' : 'NotMounted',
        missing ? `${label} ${configured} does not exist (is the storage mounted?)` : `${label} ${configured} cannot be read: ${(err as Error).message}`,
      );
    }
    try {
      recorded ??= await repo.get(deps.db, name);
    } catch {
      // without the record an empty mount point looks like a new storage: never initialise blind
      return down('Unchecked', `cannot check the storage at ${configured} while the database is unreachable`);
    }
    const marker = await readMarker(root).catch(() => null);
    if (recorded && !marker) {
      return down(
        'NotMounted',
        `storage not mounted: ${configured} lacks the marker ${INTERNAL_DIR}/${MARKER_FILE} that D011DL wrote when it initialised this storage (an empty mount point?). Mount the storage; see the README if it really was replaced.`,
      );
    }
    if (marker && recorded && marker.storage_id !== recorded.storage_id) {
      return down(
        'NotMounted',
        `storage not mounted: ${configured} holds another storage (marker ${marker.storage_id}, this installation's is ${recorded.storage_id}); mount the right one, see the README if it really was replaced.`,
      );
    }
    if (marker?.separate_mount && !(await isSeparateMount(root))) {
      return down(
        'NotMounted',
        `storage not mounted: ${configured} is on the same disk as its parent folder, but it was a mount of its own when D011DL initialised it`,
      );
    }
    const ro = await writable(root);
    if (ro) return ro;
    if (marker) {
      // a storage initialised by an installation whose database was replaced (restore, new server)
      recorded ??= await repo.record(deps.db, name, marker);
      return { ok: true, root };
    }
    // first use: one initialisation at a time in this process (others race harmlessly on rename)
    initialising ??= initialise(root).finally(() => {
      initialising = null;
    });
    return initialising;
  }

  return {
    root: deps.root,
    label,
    /** The storage's state; on first use it writes the marker. Never throws for storage problems. */
    async state(): Promise<StorageState> {
      try {
        return await check();
      } catch (err) {
        return down('NotWritable', `cannot use ${label} ${configured}: ${(err as Error).message}`);
      }
    },

    /** The real path of the storage root, or a 503 saying what is wrong with it. */
    async require(): Promise<string> {
      const s = await this.state();
      if (!s.ok) throw new HttpError(503, s.problem === 'ReadOnly' ? 'StorageReadOnly' : 'StorageUnavailable', s.message);
      return s.root;
    },
  };
}

export type StorageGuard = ReturnType<typeof createStorageGuard>;
