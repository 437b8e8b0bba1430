// Human-readable numbers for the pages (also mirrored in public/app.js for live updates).
export function humanBytes(n: number | null | undefined): string {
  if (n == null || !Number.isFinite(n)) return '–';
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB', 'PB'];
  let v = n;
  let i = -1;
  do {
    v /= 1000;
    i++;
  } while (v >= 1000 && i < units.length - 1);
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${units[i]}`;
}

export function humanDuration(s: number | null | undefined): string {
  if (s == null || !Number.isFinite(s)) return '–';
  s = Math.max(0, Math.round(s));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h) return `${h} h ${m} min`;
  if (m) return `${m} min ${sec} s`;
  return `${sec} s`;
}

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

/** The selection to send: a checked folder covers everything under it, so its children are dropped. */
export function normalizeSelection(items: Array<{ path: string; type: 'file' | 'dir' }>): Array<{ path: string; type: 'file' | 'dir' }> {
  const dirs = items.filter((i) => i.type === 'dir').map((i) => i.path);
  const seen = new Set<string>();
  const out: Array<{ path: string; type: 'file' | 'dir' }> = [];
  for (const i of items) {
    if (dirs.some((d) => d !== i.path && i.path.startsWith(`${d}/`))) continue;
    const key = `${i.type}:${i.path}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(i);
  }
  return out;
}

/** "Waiting for the Hub — retrying in 40 s (attempt 7): …": what a job waiting out an outage shows. */
export function waitingText(w: { message: string; retry_at: string; attempt: number }, now = Date.now()): string {
  const secs = Math.max(0, Math.round((Date.parse(w.retry_at) - now) / 1000));
  return `Waiting for the Hub — retrying ${secs > 0 ? `in ${secs} s` : 'now'} (attempt ${w.attempt}): ${w.message}. The download resumes by itself.`;
}
