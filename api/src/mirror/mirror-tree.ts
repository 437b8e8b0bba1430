// The Hub's JSON for a snapshot's files: tree and paths-info entries, repo-info siblings. Only files
// that are done are ever in a snapshot (mirror.service.ts), so what is listed can be downloaded.
import { createHash } from 'node:crypto';
import type { MirrorTreeEntry } from '@d011dl/contract';

export interface SnapshotFile {
  path: string;
  size: number;
  sha256: string | null;
  gitOid: string;
  isLfs: boolean;
  /** the revision folder that holds it (the catalog's Model.local_path) */
  dir: string;
}

export interface SnapshotTree {
  commit: string;
  date: string;
  files: Map<string, SnapshotFile>;
  /** every folder path (not "") */
  dirs: Set<string>;
  /** folder ("" for the root) → direct children's paths, sorted */
  children: Map<string, string[]>;
  /** every path (files and folders), sorted */
  all: string[];
}

const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');

/** The ETag the Hub sends for a file, which clients use as its cache name: SHA-256 for LFS files, else the git blob id. */
export const etagOf = (f: SnapshotFile) => (f.isLfs && f.sha256 ? f.sha256 : f.gitOid);

// length of "version https://git-lfs.github.com/spec/v1\noid sha256:<64 hex>\nsize <n>\n"
export const lfsPointerSize = (size: number) => 125 + String(size).length;

export function buildTree(commit: string, date: string, files: SnapshotFile[]): SnapshotTree {
  const map = new Map(files.map((f) => [f.path, f]));
  const dirs = new Set<string>();
  const children = new Map<string, Set<string>>();
  const add = (parent: string, child: string) => {
    let set = children.get(parent);
    if (!set) children.set(parent, (set = new Set()));
    set.add(child);
  };
  for (const p of map.keys()) {
    const parts = p.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const here = parts.slice(0, i).join('/');
      add(parts.slice(0, i - 1).join('/'), here);
      if (i < parts.length) dirs.add(here);
    }
  }
  const sorted = new Map([...children].map(([k, v]) => [k, [...v].sort()]));
  return { commit, date, files: map, dirs, children: sorted, all: [...map.keys(), ...dirs].sort() };
}

export function treeEntry(t: SnapshotTree, path: string, expand: boolean): MirrorTreeEntry | undefined {
  const lastCommit = expand ? { lastCommit: { id: t.commit, title: 'Downloaded with D011DL', date: t.date } } : {};
  const f = t.files.get(path);
  if (f) {
    return {
      type: 'file',
      oid: f.gitOid,
      size: f.size,
      path: f.path,
      ...(f.isLfs && f.sha256 ? { lfs: { oid: f.sha256, size: f.size, pointerSize: lfsPointerSize(f.size) } } : {}),
      ...lastCommit,
      // Python indexes all three when the object is present
      ...(expand ? { securityFileStatus: { status: 'safe', avScan: { virusFound: false, virusNames: null }, pickleImportScan: null } } : {}),
    };
  }
  if (!t.dirs.has(path)) return undefined;
  // the Hub's folder oid is its git tree id, which the catalog does not keep: a stable stand-in
  return { type: 'directory', oid: sha1(`tree ${t.commit} ${path}`), size: 0, path, ...lastCommit };
}

/** Paths a tree listing of `dir` holds, or null for an unknown folder. */
export function treePaths(t: SnapshotTree, dir: string, recursive: boolean): string[] | null {
  if (dir !== '' && !t.dirs.has(dir)) return null;
  if (!recursive) return t.children.get(dir) ?? [];
  return dir === '' ? t.all : t.all.filter((p) => p.startsWith(`${dir}/`));
}

export function siblings(t: SnapshotTree, blobs: boolean) {
  return [...t.files.values()].map((f) =>
    blobs
      ? {
          rfilename: f.path,
          blobId: f.gitOid,
          size: f.size,
          ...(f.isLfs && f.sha256 ? { lfs: { sha256: f.sha256, size: f.size, pointerSize: lfsPointerSize(f.size) } } : {}),
        }
      : { rfilename: f.path },
  );
}
