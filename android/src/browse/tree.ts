// The Browse screen's folder logic, kept free of React: folders from a recursive tree listing, the rows
// to show, and the selection to send to POST /downloads. No react-native imports.
import type { SelectionItem, TreeEntry } from '@d011dl/contract';

export type BrowseRow =
  | { kind: 'dir'; path: string; depth: number; files: TreeEntry[] }
  | { kind: 'file'; path: string; depth: number; entry: TreeEntry };

function isUnder(p: string, dir: string): boolean {
  return p.startsWith(`${dir}/`);
}

/** Folder paths strictly below `root` ('' or undefined: the repo root): 'dir' entries and every parent folder of a file. */
export function folderPaths(files: readonly TreeEntry[], root = ''): string[] {
  const inside = (p: string) => (root ? isUnder(p, root) : p !== '');
  const dirs = new Set<string>();
  for (const f of files) {
    if (f.type === 'dir' && inside(f.path)) dirs.add(f.path);
    const parts = f.path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      if (inside(parent)) dirs.add(parent);
    }
  }
  return [...dirs];
}

/** The files (not folders) under folder `dir`, at any depth. */
export function filesUnder(files: readonly TreeEntry[], dir: string): TreeEntry[] {
  return files.filter((f) => f.type === 'file' && isUnder(f.path, dir));
}

/** Path order with a folder right before its content: by path segments, not by characters ("a/b" before "a-c"). */
export function comparePaths(a: string, b: string): number {
  const x = a.split('/');
  const y = b.split('/');
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
  }
  return x.length - y.length;
}

/**
 * The rows of the list: the files that `match` accepts, and the folders that hold at least one of them
 * (all folders when there is no filter). A folder row carries those files: its checkbox acts on them.
 */
export function browseRows(files: readonly TreeEntry[], match: ((path: string) => boolean) | null, root = ''): BrowseRow[] {
  const shown = files.filter((f) => f.type === 'file' && (!match || match(f.path)));
  const base = root ? root.split('/').length : 0;
  const depth = (p: string) => p.split('/').length - 1 - base;
  const rows: BrowseRow[] = shown.map((entry) => ({ kind: 'file', path: entry.path, depth: depth(entry.path), entry }));
  for (const dir of folderPaths(files, root)) {
    const under = shown.filter((f) => isUnder(f.path, dir));
    if (match && under.length === 0) continue;
    rows.push({ kind: 'dir', path: dir, depth: depth(dir), files: under });
  }
  return rows.sort((a, b) => comparePaths(a.path, b.path));
}

/**
 * What to send as `selection`: the selected files, except that a folder whose files are all selected
 * goes as one {type:'dir'} item (the API expands it). Only when `complete` (every page of the listing is
 * loaded), since the API would also take the files of the pages not loaded yet.
 */
export function toSelection(files: readonly TreeEntry[], selected: ReadonlySet<string>, complete: boolean, root = ''): SelectionItem[] {
  const chosen = files.filter((f) => f.type === 'file' && selected.has(f.path));
  if (!complete) return chosen.map((f): SelectionItem => ({ path: f.path, type: 'file' })).sort((a, b) => comparePaths(a.path, b.path));
  const whole: string[] = [];
  // Shallowest first, so a folder inside a wholly selected folder is not sent again.
  for (const dir of folderPaths(files, root).sort((a, b) => a.split('/').length - b.split('/').length || comparePaths(a, b))) {
    if (whole.some((w) => isUnder(dir, w))) continue;
    const under = filesUnder(files, dir);
    if (under.length > 0 && under.every((f) => selected.has(f.path))) whole.push(dir);
  }
  const items: SelectionItem[] = whole.map((path) => ({ path, type: 'dir' }));
  for (const f of chosen) if (!whole.some((w) => isUnder(f.path, w))) items.push({ path: f.path, type: 'file' });
  return items.sort((a, b) => comparePaths(a.path, b.path));
}
