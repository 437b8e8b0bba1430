import type { ChangedFile, ModelChanges, ModelFile } from '@d011dl/contract';
import type { HubTreeEntry } from '../hub/hub-client.ts';

interface Known {
  size: number;
  oid: string | null;
  sha256: string | null;
}

const fromTree = (e: HubTreeEntry): Known => ({ size: e.size, oid: e.oid, sha256: e.lfs?.oid ?? null });
// Same content: the LFS SHA-256 when both sides have one, else the git blob id (for an LFS file, the
// pointer's, which changes exactly when the content does), else the size.
function differs(a: Known, b: Known): boolean {
  if (a.sha256 && b.sha256) return a.sha256 !== b.sha256;
  if (a.oid && b.oid) return a.oid !== b.oid;
  return a.size !== b.size;
}

/**
 * What changed between the downloaded commit and the Hub's: the Hub's trees at both commits when the
 * old one is still there (`oldTree`), else the catalog's record of the tracked files. A tracked file
 * also counts as changed when the catalog recorded other content than the new tree has.
 */
export function diffFiles(newTree: HubTreeEntry[], oldTree: HubTreeEntry[] | null, tracked: ModelFile[]): ChangedFile[] {
  const now = new Map(newTree.filter((e) => e.type === 'file').map((e) => [e.path, fromTree(e)]));
  const mine = new Map(tracked.map((f) => [f.path, { size: f.size_bytes, oid: f.oid, sha256: f.sha256 } as Known]));
  const before = oldTree ? new Map(oldTree.filter((e) => e.type === 'file').map((e) => [e.path, fromTree(e)])) : mine;
  const out: ChangedFile[] = [];
  for (const [path, n] of now) {
    const o = before.get(path);
    const t = mine.get(path);
    if (!o && !t) out.push({ path, change: 'added', size_bytes: n.size, old_size_bytes: null, tracked: false });
    else if ((o && differs(o, n)) || (t && differs(t, n)))
      out.push({ path, change: 'changed', size_bytes: n.size, old_size_bytes: (o ?? t)!.size, tracked: !!t });
  }
  for (const [path, o] of before)
    if (!now.has(path)) out.push({ path, change: 'removed', size_bytes: o.size, old_size_bytes: o.size, tracked: mine.has(path) });
  for (const [path, t] of mine)
    if (!now.has(path) && !before.has(path)) out.push({ path, change: 'removed', size_bytes: t.size, old_size_bytes: t.size, tracked: true });
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export function summarise(modelId: string, from: string | null, to: string | null, files: ChangedFile[]): ModelChanges {
  const count = (c: ChangedFile['change']) => files.filter((f) => f.change === c).length;
  return {
    model_id: modelId,
    from_commit: from,
    to_commit: to,
    files,
    added: count('added'),
    changed: count('changed'),
    removed: count('removed'),
    bytes_to_fetch: files.filter((f) => f.change === 'added' || (f.tracked && f.change === 'changed')).reduce((s, f) => s + f.size_bytes, 0),
  };
}
