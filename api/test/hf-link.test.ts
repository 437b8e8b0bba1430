import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HfLinkError, parseHfLink, splitRefPath } from '@d011dl/contract';

// The shared link parser (contract/src/hf-link.ts): what the API, the portal and the app accept.
const parseHfUrl = (url: string, extraHosts: string[] = []) => parseHfLink(url, { extraHosts });

describe('parseHfLink accepts', () => {
  const cases: Array<[string, object]> = [
    ['https://huggingface.co/acme/tiny-model', { author: 'acme', repo: 'tiny-model', kind: 'repo' }],
    ['huggingface.co/acme/tiny-model', { author: 'acme', repo: 'tiny-model', kind: 'repo' }],
    ['hf.co/acme/tiny-model/', { author: 'acme', repo: 'tiny-model', kind: 'repo' }],
    ['http://hf.co/acme/tiny-model', { author: 'acme', repo: 'tiny-model', kind: 'repo' }],
    ['https://www.huggingface.co/acme/tiny-model', { author: 'acme', repo: 'tiny-model', kind: 'repo' }],
    ['HTTPS://HuggingFace.co/acme/tiny-model', { author: 'acme', repo: 'tiny-model', kind: 'repo' }],
    ['https://huggingface.co:443/acme/tiny-model', { author: 'acme', repo: 'tiny-model', kind: 'repo' }],
    ['  https://huggingface.co/acme/tiny-model  ', { author: 'acme', repo: 'tiny-model', kind: 'repo' }],
    ['https://huggingface.co/models/acme/tiny-model', { author: 'acme', repo: 'tiny-model', kind: 'repo' }],
    ['https://huggingface.co/acme/tiny-model/discussions', { author: 'acme', repo: 'tiny-model', kind: 'repo' }],
    ['https://huggingface.co/acme/tiny-model?library=transformers', { author: 'acme', repo: 'tiny-model', kind: 'repo' }],
    ['https://huggingface.co/acme/tiny-model#model-card', { author: 'acme', repo: 'tiny-model', kind: 'repo' }],
    ['https://huggingface.co/acme/tiny-model/tree', { author: 'acme', repo: 'tiny-model', kind: 'tree' }],
    ['https://huggingface.co/acme/tiny-model/tree/main', { author: 'acme', repo: 'tiny-model', revision: 'main', kind: 'tree' }],
    [
      'https://huggingface.co/acme/tiny-model/tree/dev/nested/deep',
      { author: 'acme', repo: 'tiny-model', revision: 'dev', path: 'nested/deep', kind: 'tree', refPath: ['dev', 'nested', 'deep'] },
    ],
    ['https://huggingface.co/acme/tiny-model/tree/v1.0/', { author: 'acme', repo: 'tiny-model', revision: 'v1.0', kind: 'tree' }],
    [
      'https://huggingface.co/acme/tiny-model/blob/main/config.json',
      { author: 'acme', repo: 'tiny-model', revision: 'main', path: 'config.json', kind: 'blob', refPath: ['main', 'config.json'] },
    ],
    [
      'https://huggingface.co/acme/tiny-model/resolve/main/nested/deep/weights.bin?download=true',
      {
        author: 'acme',
        repo: 'tiny-model',
        revision: 'main',
        path: 'nested/deep/weights.bin',
        kind: 'resolve',
        refPath: ['main', 'nested', 'deep', 'weights.bin'],
      },
    ],
    ['https://huggingface.co/acme/tiny-model/tree/refs/pr/1', { author: 'acme', repo: 'tiny-model', revision: 'refs/pr/1', kind: 'tree' }],
    [
      'https://huggingface.co/acme/tiny-model/blob/refs/pr/12/pr-file.txt',
      { author: 'acme', repo: 'tiny-model', revision: 'refs/pr/12', path: 'pr-file.txt', kind: 'blob' },
    ],
    ['https://huggingface.co/acme/tiny-model/tree/refs%2Fpr%2F1', { author: 'acme', repo: 'tiny-model', revision: 'refs/pr/1', kind: 'tree' }],
    [
      'https://huggingface.co/acme/tiny-model/tree/feature%2Fx/nested',
      { author: 'acme', repo: 'tiny-model', revision: 'feature/x', path: 'nested', kind: 'tree' },
    ],
    [
      'https://huggingface.co/acme/tiny-model/tree/refs/convert/parquet',
      { author: 'acme', repo: 'tiny-model', revision: 'refs/convert/parquet', kind: 'tree' },
    ],
    [
      'https://huggingface.co/acme/tiny-model/blob/main/with%20space/file%20name.txt',
      {
        author: 'acme',
        repo: 'tiny-model',
        revision: 'main',
        path: 'with space/file name.txt',
        kind: 'blob',
        refPath: ['main', 'with space', 'file name.txt'],
      },
    ],
    [
      'https://huggingface.co/acme/tiny-model/blob/main/unicode/mod%C3%A8le-%C3%BC.txt',
      { author: 'acme', repo: 'tiny-model', revision: 'main', path: 'unicode/modèle-ü.txt', kind: 'blob', refPath: ['main', 'unicode', 'modèle-ü.txt'] },
    ],
    [
      'https://huggingface.co/TheBloke/Llama-2-7B-GGUF/blob/main/llama-2-7b.Q4_K_M.gguf',
      {
        author: 'TheBloke',
        repo: 'Llama-2-7B-GGUF',
        revision: 'main',
        path: 'llama-2-7b.Q4_K_M.gguf',
        kind: 'blob',
        refPath: ['main', 'llama-2-7b.Q4_K_M.gguf'],
      },
    ],
    [
      'https://huggingface.co/acme/tiny-model/resolve/0123456789abcdef0123456789abcdef01234567/config.json',
      {
        author: 'acme',
        repo: 'tiny-model',
        revision: '0123456789abcdef0123456789abcdef01234567',
        path: 'config.json',
        kind: 'resolve',
        refPath: ['0123456789abcdef0123456789abcdef01234567', 'config.json'],
      },
    ],
    // bare ids (the Hub's "copy model name", what `hf download` takes) and links without a scheme
    ['acme/tiny-model', { author: 'acme', repo: 'tiny-model', kind: 'repo' }],
    ['  TheBloke/Llama-2-7B-GGUF/ ', { author: 'TheBloke', repo: 'Llama-2-7B-GGUF', kind: 'repo' }],
    ['Qwen/Qwen2.5-0.5B', { author: 'Qwen', repo: 'Qwen2.5-0.5B', kind: 'repo' }],
    ['acme/tiny-model/tree/dev', { author: 'acme', repo: 'tiny-model', revision: 'dev', kind: 'tree' }],
    [
      'hf.co/acme/tiny-model/blob/main/config.json',
      { author: 'acme', repo: 'tiny-model', revision: 'main', path: 'config.json', kind: 'blob', refPath: ['main', 'config.json'] },
    ],
    // a branch with "/" in it: the candidates are kept for the API, which knows the repo's refs
    [
      'https://huggingface.co/acme/tiny-model/tree/feature/x',
      { author: 'acme', repo: 'tiny-model', revision: 'feature', path: 'x', kind: 'tree', refPath: ['feature', 'x'] },
    ],
    [
      'https://huggingface.co/acme/tiny-model/blob/feature/x/feature-x.txt',
      { author: 'acme', repo: 'tiny-model', revision: 'feature', path: 'x/feature-x.txt', kind: 'blob', refPath: ['feature', 'x', 'feature-x.txt'] },
    ],
    // a pull request page means the PR's head
    ['https://huggingface.co/acme/tiny-model/discussions/3', { author: 'acme', repo: 'tiny-model', revision: 'refs/pr/3', kind: 'tree' }],
    ['huggingface.co/acme/tiny-model/discussions/12/files', { author: 'acme', repo: 'tiny-model', revision: 'refs/pr/12', kind: 'tree' }],
    ['https://huggingface.co/acme/tiny-model/commit/ABCDEF0123456', { author: 'acme', repo: 'tiny-model', revision: 'abcdef0123456', kind: 'tree' }],
  ];
  for (const [url, expected] of cases) {
    it(url.trim(), () => assert.deepEqual(parseHfUrl(url), expected));
  }

  it('the configured endpoint host (a mirror or the simulator)', () => {
    assert.deepEqual(parseHfUrl('http://localhost:8090/acme/tiny-model/tree/dev', ['localhost:8090']), {
      author: 'acme',
      repo: 'tiny-model',
      revision: 'dev',
      kind: 'tree',
    });
  });
});

describe('parseHfLink refuses', () => {
  const cases: Array<[string, RegExp]> = [
    ['', /empty/],
    ['   ', /empty/],
    ['https://huggingface.co.evil.com/acme/tiny-model', /host must be huggingface\.co/],
    ['https://evil.com/acme/tiny-model', /host must be/],
    ['https://evilhuggingface.co/acme/tiny-model', /host must be/],
    ['https://huggingface.co@evil.com/acme/tiny-model', /user names/],
    ['https://hf.co:8443/acme/tiny-model', /host must be/],
    ['ftp://huggingface.co/acme/tiny-model', /not supported/],
    ['javascript:alert(1)', /host must be|not supported|not a valid host/],
    ['https://huggingface.co/acme', /must name a repo/],
    ['https://huggingface.co/', /must name a repo/],
    ['https://huggingface.co/gpt2', /must name a repo/],
    ['https://huggingface.co/acme/../etc/passwd', /"\." and "\.\."/],
    ['https://huggingface.co/acme/tiny-model/tree/main/../../x', /"\." and "\.\."/],
    ['https://huggingface.co/acme/tiny-model/blob/main/./config.json', /"\." and "\.\."/],
    ['https://huggingface.co/acme/tiny-model/tree/main/%2e%2e/x', /"\." and "\.\."/],
    ['https://huggingface.co/acme/tiny-model/tree/..%2F..%2Fetc', /revision/],
    ['https://huggingface.co/acme/tiny%2F..%2Fmodel', /repo/],
    ['https://huggingface.co/acme/tiny-model/blob/main/a%5Cb', /backslash/],
    ['https://huggingface.co/acme\\tiny-model', /backslash/],
    ['https://huggingface.co/acme/tiny-model/blob/main/a%00b', /control characters/],
    ['https://huggingface.co/acme/tiny-model/blob/main/%zz', /percent-encoding/],
    ['https://huggingface.co/-acme/tiny-model', /author/],
    ['https://huggingface.co/acme/tiny--model', /"--"/],
    ['https://huggingface.co/acme/tiny..model', /"\.\."/],
    ['https://huggingface.co/acme/tiny model', /repo/],
    ['https://huggingface.co/acme/.hidden', /repo/],
    ['https://huggingface.co/acme/tiny-model/blob/main', /must name a file/],
    ['https://huggingface.co/acme/tiny-model/resolve/main/', /must name a file/],
    ['https://huggingface.co/acme/tiny-model/edit/main/x', /not a repo, folder or file link/],
    ['https://huggingface.co/datasets/acme/data', /datasets are not supported/],
    ['https://huggingface.co/spaces/acme/app', /spaces are not supported/],
    ['https://huggingface.co//acme/tiny-model', /empty segment/],
    // bare forms keep every check
    ['acme', /must name a repo, like author\/repo/],
    ['gpt2', /must name a repo/],
    ['evil.com/acme/tiny-model', /host must be huggingface\.co or hf\.co, not "evil\.com"/],
    ['acme/../etc', /"\." and "\.\."/],
    ['acme/tiny model', /repo/],
    ['acme/tiny-model\u0000', /control characters/],
    ['user@huggingface.co/acme/tiny-model', /user names/],
    ['datasets/acme/data', /datasets are not supported/],
    ['https://huggingface.co/acme/tiny-model/tree/feature/../x', /"\." and "\.\."/],
    ['https://huggingface.co/acme/tiny-model/discussions/3/../../x', /"\." and "\.\."/],
  ];
  for (const [url, why] of cases) {
    it(JSON.stringify(url), () => {
      assert.throws(
        () => parseHfUrl(url),
        (err: unknown) => {
          assert.ok(err instanceof HfLinkError, 'an HfLinkError');
          assert.match(err.message, /^Not a Hugging Face model link: /);
          assert.match(err.message, why);
          return true;
        },
      );
    });
  }
});

describe('splitRefPath', () => {
  const refs = new Set(['main', 'feature', 'feature/x', 'feature/x/y', 'v1.0']);
  const isRef = (n: string) => refs.has(n);
  it('takes the longest prefix that names a ref', () => {
    assert.deepEqual(splitRefPath(['feature', 'x', 'dir'], isRef), { revision: 'feature/x', path: 'dir' });
    assert.deepEqual(splitRefPath(['feature', 'x', 'y'], isRef), { revision: 'feature/x/y' });
    assert.deepEqual(splitRefPath(['feature', 'z'], isRef), { revision: 'feature', path: 'z' });
    assert.deepEqual(splitRefPath(['main', 'a', 'b.txt'], isRef), { revision: 'main', path: 'a/b.txt' });
  });
  it('leaves a file for /blob/ and /resolve/ links', () => {
    assert.deepEqual(splitRefPath(['feature', 'x', 'y'], isRef, true), { revision: 'feature/x', path: 'y' });
  });
  it('answers null when no prefix is a ref', () => {
    assert.equal(splitRefPath(['nope', 'x'], isRef), null);
    assert.equal(splitRefPath(['main'], isRef, true), null);
  });
});
