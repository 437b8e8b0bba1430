import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveUrl, resolveUrlOf } from '../src/hub/resolve-url.ts';

test('resolve URLs encode each part, and the path per segment', () => {
  assert.equal(
    resolveUrl('https://huggingface.co', 'acme', 'tiny-model', 'main', 'config.json'),
    'https://huggingface.co/acme/tiny-model/resolve/main/config.json',
  );
  assert.equal(
    resolveUrl('https://hub.example/', 'acme', 'tiny-model', 'refs/pr/1', 'with space/file #1?.txt'),
    'https://hub.example/acme/tiny-model/resolve/refs%2Fpr%2F1/with%20space/file%20%231%3F.txt',
  );
  assert.equal(
    resolveUrlOf('http://127.0.0.1:9', 'acme/tiny-model', 'a'.repeat(40), 'nested/deep/weights.bin'),
    `http://127.0.0.1:9/acme/tiny-model/resolve/${'a'.repeat(40)}/nested/deep/weights.bin`,
  );
});
