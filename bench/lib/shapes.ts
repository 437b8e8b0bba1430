// Download shapes: which simulator repo each one downloads. The full shapes are in hubsim's default
// catalog; the --quick ones are added here so a smoke run takes a minute or two, not ten.
import { defaultCatalog } from '../../hubsim/src/index.ts';
import type { CatalogConfig, RepoSpec } from '../../hubsim/src/index.ts';

export interface Shape {
  name: string;
  repo: string;
  /** human description for the table, e.g. "1 × 4 GiB" */
  label: string;
  /** "large" shapes carry the ≥ 85 %-of-link target; "small" ones are latency-bound */
  kind: 'large' | 'small';
}

export const SHAPES: Shape[] = [
  { name: 'one-4g', repo: 'bench/one-4g', label: '1 × 4 GiB', kind: 'large' },
  { name: 'eight-512m', repo: 'bench/eight-512m', label: '8 × 512 MiB', kind: 'large' },
  { name: 'small-2000', repo: 'bench/small-2000', label: '2,000 × 64 KiB', kind: 'small' },
  { name: 'one-256m', repo: 'bench/quick-one-256m', label: '1 × 256 MiB', kind: 'large' },
  { name: 'eight-64m', repo: 'bench/quick-eight-64m', label: '8 × 64 MiB', kind: 'large' },
  { name: 'small-200', repo: 'bench/quick-small-200', label: '200 × 64 KiB', kind: 'small' },
];

export const FULL_SHAPES = ['one-4g', 'eight-512m', 'small-2000'];
export const QUICK_SHAPES = ['one-256m', 'eight-64m', 'small-200'];

// Same layout as the full bench repos (an LFS .gitattributes plus the LFS files), just smaller.
const GITATTRIBUTES = '*.bin filter=lfs diff=lfs merge=lfs -text\n*.safetensors filter=lfs diff=lfs merge=lfs -text\n';
function benchRepo(id: string, files: RepoSpec['commits'][number]): RepoSpec {
  return { id, commits: [files], refs: { branches: { main: 'init' } } };
}
const QUICK_REPOS: RepoSpec[] = [
  benchRepo('bench/quick-one-256m', {
    id: 'init',
    files: { '.gitattributes': GITATTRIBUTES, 'model-256m.bin': { lfs: { size: '256MiB' } } },
  }),
  benchRepo('bench/quick-eight-64m', {
    id: 'init',
    files: { '.gitattributes': GITATTRIBUTES },
    generate: [{ count: 8, path: 'model-{n:5}-of-00008.safetensors', lfsSize: '64MiB' }],
  }),
  benchRepo('bench/quick-small-200', {
    id: 'init',
    files: { '.gitattributes': GITATTRIBUTES },
    generate: [{ count: 200, path: 'files/{i/100:2}/file-{i:4}.bin', lfsSize: '64KiB' }],
  }),
];

export const benchCatalog: CatalogConfig = { ...defaultCatalog, repos: [...defaultCatalog.repos, ...QUICK_REPOS] };

export function pickShapes(names: string[]): Shape[] {
  return names.map((n) => {
    const s = SHAPES.find((x) => x.name === n);
    if (!s) throw new Error(`unknown shape "${n}" (known: ${SHAPES.map((x) => x.name).join(', ')})`);
    return s;
  });
}
