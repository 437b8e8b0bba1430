import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ggufQuantType, groupQuants, hasQuantChoice, quantSelection, ramEstimate } from '../src/quants.ts';

const f = (path: string, size_bytes = 1000) => ({ path, size_bytes });

describe('quant grouping', () => {
  it('reads llama.cpp quant types from the usual names, longest first', () => {
    const cases: Array<[string, string | null]> = [
      ['Llama-3-8B-Instruct-Q4_K_M.gguf', 'Q4_K_M'],
      ['llama-3-8b-instruct.q5_k_s.gguf', 'Q5_K_S'],
      ['model-IQ3_XXS.gguf', 'IQ3_XXS'],
      ['model-IQ4_NL.gguf', 'IQ4_NL'],
      ['Q8_0/model-Q8_0-00001-of-00002.gguf', 'Q8_0'],
      ['model-bf16.gguf', 'BF16'],
      ['model-f16.gguf', 'F16'],
      ['model-F32.gguf', 'F32'],
      ['model-Q4_0.gguf', 'Q4_0'],
      ['model-TQ1_0.gguf', 'TQ1_0'],
      ['gpt-oss-20b-MXFP4.gguf', 'MXFP4'],
      ['model-UD-Q4_K_XL.gguf', 'Q4_K_XL'],
      ['model-Q4_K.gguf', null],
      ['notes.gguf', null],
    ];
    for (const [name, want] of cases) assert.equal(ggufQuantType(name), want, name);
  });

  it('puts split parts together with their total size and knows when a part is missing', () => {
    const t = groupQuants([
      f('m-Q4_K_M-00001-of-00003.gguf', 10),
      f('m-Q4_K_M-00002-of-00003.gguf', 20),
      f('m-Q4_K_M-00003-of-00003.gguf', 5),
      f('m-Q8_0-00001-of-00002.gguf', 40),
      f('README.md', 1),
      f('pytorch_model.bin', 99),
    ]);
    const q4 = t.groups.find((g) => g.quant === 'Q4_K_M')!;
    assert.equal(q4.size_bytes, 35);
    assert.equal(q4.files.length, 3);
    assert.equal(q4.complete, true);
    assert.equal(t.groups.find((g) => g.quant === 'Q8_0')!.complete, false, 'part 2 of 2 is not in the repo');
    assert.deepEqual(
      t.always_useful.map((x) => x.path),
      ['README.md'],
    );
    assert.deepEqual(
      t.other.map((x) => x.path),
      ['pytorch_model.bin'],
    );
  });

  it('groups shard sets by index, a lone safetensors file alone, and marks what is done', () => {
    const files = [
      f('model.safetensors.index.json', 2),
      f('model-00001-of-00002.safetensors', 10),
      f('model-00002-of-00002.safetensors', 10),
      f('text_encoder/model.safetensors', 7),
      f('config.json', 1),
    ];
    const t = groupQuants(files, (p) => p.startsWith('text_encoder/'));
    assert.deepEqual(
      t.groups.map((g) => [g.label, g.files.length, g.size_bytes, g.downloaded]),
      [
        ['model.safetensors', 1, 7, true],
        ['model (2 shards)', 3, 22, false],
      ],
    );
    const sel = quantSelection(t, t.groups[1]!);
    assert.deepEqual(sel, ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors', 'model.safetensors.index.json', 'config.json']);
  });

  it('is worth a table for GGUF quants or several groups, not for one lone weights file', () => {
    assert.equal(hasQuantChoice(groupQuants([f('model.safetensors'), f('config.json')])), false);
    assert.equal(hasQuantChoice(groupQuants([f('m-Q8_0.gguf')])), true);
    assert.equal(hasQuantChoice(groupQuants([f('model.safetensors'), f('onnx/model.safetensors')])), true);
  });

  it('states its RAM estimate: size + 10 % + 512 MiB', () => {
    assert.equal(ramEstimate(1_000_000_000), 1_100_000_000 + 512 * 1024 * 1024);
  });
});
