// The portal (web/public/app.js) and the Android browse screen both filter with contract/src/glob.ts;
// this table is what a filter typed in either one selects.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { globFilter, globToRegExp } from '../src/glob.ts';

const PATHS = ['config.json', 'model.safetensors', 'onnx/model.onnx', 'onnx/fp16/model.onnx', 'nested/deep/Weights.BIN', 'a+b (1).txt', 'sub/config.json.bak'];

const TABLE: Array<[filter: string, matches: string[]]> = [
  ['', PATHS],
  ['  ,  ', PATHS],
  ['*.json', ['config.json']],
  ['*.JSON', ['config.json']],
  ['*.onnx', ['onnx/model.onnx', 'onnx/fp16/model.onnx']],
  // a glob may name folders: matched against the last segments of the path
  ['fp16/*', ['onnx/fp16/model.onnx']],
  ['onnx/*.onnx', ['onnx/model.onnx', 'onnx/fp16/model.onnx']],
  ['deep/*.bin', ['nested/deep/Weights.BIN']],
  // only whole segments: "nx/model.onnx" is not the end of a segment run
  ['nx/model.onnx', []],
  ['conf*', ['config.json', 'sub/config.json.bak']],
  ['config.???', []],
  ['config.????', ['config.json']],
  ['model.*', ['model.safetensors', 'onnx/model.onnx', 'onnx/fp16/model.onnx']],
  // regular expression characters are literal
  ['a+b (1).txt', ['a+b (1).txt']],
  ['a.b*', []],
  ['*.json, *.safetensors', ['config.json', 'model.safetensors']],
  ['*', PATHS],
];

test('a filter selects the same paths everywhere', () => {
  for (const [filter, want] of TABLE) {
    const match = globFilter(filter);
    const got = match ? PATHS.filter(match) : PATHS;
    assert.deepEqual(got, want, `filter ${JSON.stringify(filter)}`);
  }
});

test('an empty filter is no filter', () => {
  assert.equal(globFilter(''), null);
  assert.equal(globToRegExp('*.json').test('a/b/c.json'), true);
});
