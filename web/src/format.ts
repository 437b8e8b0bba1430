// Sizes and durations come from the contract, in the one style the API and the Android app use too
// (the portal's browser script loads the same module: web/src/shared-assets.ts).
import { formatRetryIn } from '@d011dl/contract';

export { formatBytes as humanBytes, formatDuration as humanDuration } from '@d011dl/contract';

export interface TreeNode {
  name: string;
  path: string;
  type: 'file' | 'dir';
  size: number;
  children: TreeNode[];
}

/** A nested tree (folders first, then by name) from the flat recursive listing of the API. */
export function buildTree(entries: Array<{ path: string; type: 'file' | 'dir'; size_bytes: number }>): TreeNode {
  const root: TreeNode = { name: '', path: '', type: 'dir', size: 0, children: [] };
  const dirs = new Map<string, TreeNode>([['', root]]);
  const dirOf = (p: string): TreeNode => {
    const found = dirs.get(p);
    if (found) return found;
    const slash = p.lastIndexOf('/');
    const parent = dirOf(slash < 0 ? '' : p.slice(0, slash));
    const node: TreeNode = { name: p.slice(slash + 1), path: p, type: 'dir', size: 0, children: [] };
    parent.children.push(node);
    dirs.set(p, node);
    return node;
  };
  for (const e of entries) {
    if (e.type === 'dir') {
      dirOf(e.path);
      continue;
    }
    const slash = e.path.lastIndexOf('/');
    const parent = dirOf(slash < 0 ? '' : e.path.slice(0, slash));
    parent.children.push({ name: e.path.slice(slash + 1), path: e.path, type: 'file', size: e.size_bytes, children: [] });
  }
  const finish = (n: TreeNode): number => {
    if (n.type === 'file') return n.size;
    n.children.sort((a, b) => (a.type === b.type ? a.name.localeCompare(b.name) : a.type === 'dir' ? -1 : 1));
    n.size = n.children.reduce((s, c) => s + finish(c), 0);
    return n.size;
  };
  finish(root);
  return root;
}

/** At most this many checked files and folders in one download form (a checked folder counts once). */
export const SELECTION_MAX = 20_000;

interface DirNode {
  selected: boolean;
  kids: Map<string, DirNode>;
}

/**
 * The selection to send: a checked folder covers everything under it, so its children are dropped.
 * Linear in the total length of the paths (the checked folders go into a tree of path segments), so a
 * large form costs milliseconds; comparing every item with every folder froze the portal (issue 11).
 */
export function normalizeSelection(items: Array<{ path: string; type: 'file' | 'dir' }>): Array<{ path: string; type: 'file' | 'dir' }> {
  const root: DirNode = { selected: false, kids: new Map() };
  for (const i of items) {
    if (i.type !== 'dir') continue;
    let node = root;
    for (const seg of i.path.split('/')) {
      let kid = node.kids.get(seg);
      if (!kid) node.kids.set(seg, (kid = { selected: false, kids: new Map() }));
      node = kid;
    }
    node.selected = true;
  }
  // true when a checked folder lies strictly above `path`
  const covered = (path: string): boolean => {
    const segs = path.split('/');
    let node: DirNode | undefined = root;
    for (let j = 0; j < segs.length - 1; j++) {
      node = node.kids.get(segs[j]!);
      if (!node) return false;
      if (node.selected) return true;
    }
    return false;
  };
  const seen = new Set<string>();
  const out: Array<{ path: string; type: 'file' | 'dir' }> = [];
  for (const i of items) {
    if (covered(i.path)) continue;
    const key = `${i.type}:${i.path}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(i);
  }
  return out;
}

/** "Waiting for the Hub — retrying in 40 s (attempt 7): …": what a job waiting out an outage shows. */
export function waitingText(w: { message: string; retry_at: string; attempt: number }, now = Date.now()): string {
  return `Waiting for the Hub — retrying ${formatRetryIn(w.retry_at, now)} (attempt ${w.attempt}): ${w.message}. The download resumes by itself.`;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * A path as HTML (escaped) that a narrow screen wraps after a slash rather than mid-word: a <wbr>
 * after each / and \ (for `<%- pathHtml(p) %>`).
 */
export function pathHtml(p: string): string {
  return p.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!).replace(/([/\\])/g, '$1<wbr>');
}
