// The default catalog. Other packages' tests rely on these repo ids, paths, refs and tokens: keep them stable.
import type { CatalogConfig, FileSpec } from './types.ts';

const GITATTRIBUTES = [
  '*.bin filter=lfs diff=lfs merge=lfs -text',
  '*.gguf filter=lfs diff=lfs merge=lfs -text',
  '*.parquet filter=lfs diff=lfs merge=lfs -text',
  '*.safetensors filter=lfs diff=lfs merge=lfs -text',
  '',
].join('\n');

function card(id: string, extra = ''): string {
  return `---\nlicense: mit\n---\n\n# ${id}\n\nA repository served by the D011DL Hub simulator.\n${extra}`;
}

const MiB = 1024 * 1024;

function ggufQuants(names: string[]): Record<string, FileSpec> {
  const sizes: Record<string, number> = { Q4_K_M: 2 * MiB + 1001, Q5_K_M: 3 * MiB + 2002, Q8_0: 4 * MiB + 3003 };
  const files: Record<string, FileSpec> = {};
  for (const q of names) files[`demo.${q}.gguf`] = { lfs: { size: sizes[q] ?? MiB } };
  return files;
}

export const defaultCatalog: CatalogConfig = {
  tokens: {
    hf_alice_token: 'alice',
    hf_bob_token: 'bob',
  },
  repos: [
    {
      id: 'acme/tiny-model',
      tags: ['safetensors', 'text-generation'],
      pipelineTag: 'text-generation',
      libraryName: 'transformers',
      downloads: 1234,
      likes: 56,
      commits: [
        {
          id: 'v1',
          title: 'Initial commit',
          files: {
            '.gitattributes': GITATTRIBUTES,
            'README.md': card('acme/tiny-model'),
            'config.json': '{\n  "model_type": "tiny",\n  "hidden_size": 64\n}\n',
            // odd sizes on purpose: ranges and keystream tails must not assume 16-byte alignment
            'model.safetensors': { lfs: { size: 3 * MiB + 5 } },
            'empty.txt': '',
            'with space/file name.txt': 'a path with spaces\n',
            'unicode/modèle-ü.txt': 'chemin unicode — ü ✓\n',
          },
        },
        {
          id: 'nested',
          title: 'Add nested files',
          files: {
            'nested/notes.txt': 'notes in a nested folder\n',
            'nested/deep/weights.bin': { lfs: { size: MiB + 3 } },
          },
        },
        {
          id: 'dev',
          parent: 'nested',
          title: 'Dev: bigger hidden size',
          files: {
            'config.json': '{\n  "model_type": "tiny",\n  "hidden_size": 128\n}\n',
            'dev-only.txt': 'only on the dev branch\n',
          },
        },
        {
          id: 'pr1',
          parent: 'nested',
          title: 'PR #1: add pr-file.txt',
          files: { 'pr-file.txt': 'proposed in pull request 1\n' },
        },
        {
          id: 'feature-x',
          parent: 'nested',
          title: 'Feature x',
          files: { 'feature-x.txt': 'on the feature/x branch\n' },
        },
      ],
      refs: {
        branches: { main: 'nested', dev: 'dev', 'feature/x': 'feature-x' },
        tags: { 'v1.0': 'v1' },
        pullRequests: { '1': 'pr1' },
      },
    },
    {
      id: 'acme/private-model',
      private: true,
      collaborators: ['alice'],
      commits: [
        {
          id: 'init',
          files: {
            '.gitattributes': GITATTRIBUTES,
            'README.md': card('acme/private-model', '\nPrivate: only alice can see it.\n'),
            'config.json': '{\n  "model_type": "tiny",\n  "private": true\n}\n',
            'model.safetensors': { lfs: { size: 512 * 1024 + 7 } },
          },
        },
      ],
      refs: { branches: { main: 'init' } },
    },
    {
      id: 'acme/gated-model',
      gated: 'manual',
      gatedApproved: ['alice'],
      commits: [
        {
          id: 'init',
          files: {
            '.gitattributes': GITATTRIBUTES,
            'README.md': card('acme/gated-model', '\nGated: request access first.\n'),
            'config.json': '{\n  "model_type": "tiny",\n  "gated": true\n}\n',
            'model.safetensors': { lfs: { size: 256 * 1024 + 9 } },
          },
        },
      ],
      refs: { branches: { main: 'init' } },
    },
    {
      id: 'acme/many-files',
      commits: [
        {
          id: 'init',
          files: { '.gitattributes': GITATTRIBUTES, 'README.md': card('acme/many-files') },
          // 5,000 files in 5 × 10 nested folders: data/<0-4>/<0-9>/item-<0000-4999>.txt
          generate: [{ count: 5000, path: 'data/{i/1000}/{i/100%10}/item-{i:4}.txt', text: 'item {i} at {path}\n' }],
        },
      ],
      refs: { branches: { main: 'init' } },
    },
    {
      id: 'TheBloke/Demo-GGUF',
      tags: ['gguf'],
      libraryName: 'gguf',
      commits: [
        {
          id: 'init',
          files: {
            '.gitattributes': GITATTRIBUTES,
            'README.md': card('TheBloke/Demo-GGUF', '\nQuantisations: Q4_K_M, Q5_K_M, Q8_0.\n'),
            ...ggufQuants(['Q4_K_M', 'Q5_K_M', 'Q8_0']),
          },
        },
        {
          id: 'q4-only',
          title: 'Keep only Q4_K_M',
          files: { 'demo.Q5_K_M.gguf': null, 'demo.Q8_0.gguf': null },
        },
      ],
      refs: { branches: { main: 'init', 'q4-only': 'q4-only' } },
    },
    // Quant table (issue 15): split GGUF files, a quant in a folder, a vision projector
    {
      id: 'acme/split-gguf',
      tags: ['gguf'],
      libraryName: 'gguf',
      commits: [
        {
          id: 'init',
          files: {
            '.gitattributes': GITATTRIBUTES,
            'README.md': card('acme/split-gguf', '\nQ4_K_M in two parts, Q8_0 whole, IQ3_XXS in three parts.\n'),
            'demo-Q4_K_M-00001-of-00002.gguf': { lfs: { size: MiB + 101 } },
            'demo-Q4_K_M-00002-of-00002.gguf': { lfs: { size: 512 * 1024 + 202 } },
            'demo-Q8_0.gguf': { lfs: { size: 2 * MiB + 303 } },
            'IQ3_XXS/demo-IQ3_XXS-00001-of-00003.gguf': { lfs: { size: 300 * 1024 + 1 } },
            'IQ3_XXS/demo-IQ3_XXS-00002-of-00003.gguf': { lfs: { size: 300 * 1024 + 2 } },
            'IQ3_XXS/demo-IQ3_XXS-00003-of-00003.gguf': { lfs: { size: 100 * 1024 + 3 } },
            'mmproj-demo-F16.gguf': { lfs: { size: 128 * 1024 + 4 } },
          },
        },
      ],
      refs: { branches: { main: 'init' } },
    },
    // A transformers model in three safetensors shards named by its index
    {
      id: 'acme/sharded-model',
      tags: ['safetensors', 'text-generation'],
      libraryName: 'transformers',
      commits: [
        {
          id: 'init',
          files: {
            '.gitattributes': GITATTRIBUTES,
            'README.md': card('acme/sharded-model'),
            'config.json': '{\n  "model_type": "tiny",\n  "torch_dtype": "bfloat16"\n}\n',
            'tokenizer.json': '{"version": "1.0", "model": {"type": "BPE"}}\n',
            'model.safetensors.index.json': `${JSON.stringify(
              {
                metadata: { total_size: 3 * 256 * 1024 },
                weight_map: {
                  'embed.weight': 'model-00001-of-00003.safetensors',
                  'layers.0.weight': 'model-00002-of-00003.safetensors',
                  'lm_head.weight': 'model-00003-of-00003.safetensors',
                },
              },
              null,
              2,
            )}\n`,
            'model-00001-of-00003.safetensors': { lfs: { size: 256 * 1024 + 11 } },
            'model-00002-of-00003.safetensors': { lfs: { size: 256 * 1024 + 22 } },
            'model-00003-of-00003.safetensors': { lfs: { size: 256 * 1024 + 33 } },
          },
        },
      ],
      refs: { branches: { main: 'init' } },
    },
    {
      id: 'acme/tiny-dataset',
      type: 'dataset',
      commits: [
        {
          id: 'init',
          files: {
            '.gitattributes': GITATTRIBUTES,
            'README.md': card('acme/tiny-dataset'),
            'data/train.csv': 'id,text\n1,hello\n2,world\n',
            'data/train.parquet': { lfs: { size: 200 * 1024 + 11 } },
          },
        },
      ],
      refs: { branches: { main: 'init' } },
    },
    // Benchmark repos: nothing is generated or hashed until one is first used.
    {
      id: 'bench/one-4g',
      commits: [{ id: 'init', files: { '.gitattributes': GITATTRIBUTES, 'model-4g.bin': { lfs: { size: '4GiB' } } } }],
      refs: { branches: { main: 'init' } },
    },
    {
      id: 'bench/eight-512m',
      commits: [
        {
          id: 'init',
          files: { '.gitattributes': GITATTRIBUTES },
          generate: [{ count: 8, path: 'model-{n:5}-of-00008.safetensors', lfsSize: '512MiB' }],
        },
      ],
      refs: { branches: { main: 'init' } },
    },
    {
      id: 'bench/small-2000',
      commits: [
        {
          id: 'init',
          files: { '.gitattributes': GITATTRIBUTES },
          generate: [{ count: 2000, path: 'files/{i/100:2}/file-{i:4}.bin', lfsSize: '64KiB' }],
        },
      ],
      refs: { branches: { main: 'init' } },
    },
  ],
};
