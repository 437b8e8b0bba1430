// JSON shapes of /tree and /paths-info entries (docs/hub-protocol.md#tree). Never `xetHash`: it would send clients to a Xet CAS.
import { lfsPointerSize } from './git.ts';
import type { Commit, FileNode } from './repo-store.ts';
import { lastCommitOf } from './repo-store.ts';

export interface TreeFileEntry {
  type: 'file';
  oid: string;
  size: number;
  path: string;
  lfs?: { oid: string; size: number; pointerSize: number };
  lastCommit?: { id: string; title: string; date: string };
  securityFileStatus?: { status: string; avScan: unknown; pickleImportScan: unknown };
}

export interface TreeDirEntry {
  type: 'directory';
  oid: string;
  size: 0;
  path: string;
  lastCommit?: { id: string; title: string; date: string };
}

/** Files must be hashed (ensureHashed) before this is called. */
export function treeEntry(commit: Commit, path: string, expand: boolean): TreeFileEntry | TreeDirEntry | undefined {
  const node = commit.files.get(path);
  if (node) return fileEntry(commit, node, expand);
  const oid = commit.dirs.get(path);
  if (oid === undefined || path === '') return undefined;
  const dir: TreeDirEntry = { type: 'directory', oid, size: 0, path };
  if (expand) dir.lastCommit = lastCommitJson(commit, path);
  return dir;
}

function fileEntry(commit: Commit, node: FileNode, expand: boolean): TreeFileEntry {
  const entry: TreeFileEntry = { type: 'file', oid: node.oid ?? '', size: node.size, path: node.path };
  if (node.lfs) {
    entry.lfs = { oid: node.sha256 ?? '', size: node.size, pointerSize: lfsPointerSize(node.size) };
  }
  if (expand) {
    entry.lastCommit = lastCommitJson(commit, node.path);
    // PY indexes status, avScan and pickleImportScan when the object is present
    entry.securityFileStatus = { status: 'safe', avScan: { virusFound: false, virusNames: null }, pickleImportScan: null };
  }
  return entry;
}

function lastCommitJson(commit: Commit, path: string): { id: string; title: string; date: string } {
  const c = lastCommitOf(commit, path);
  return { id: c.sha, title: c.title, date: c.date };
}
