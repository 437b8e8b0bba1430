// The quant table (GET /hf/quants) over the hub simulator, and a sharded model's completeness (issue 15).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startHubSim, type HubSim } from '@d011dl/hubsim';
import type { QuantsResponse } from '@d011dl/contract';
import { bearer, registerAndLogin, startTestApp, type TestApp } from './helpers/app.ts';
import { waitForStatus } from './helpers/downloads.ts';

describe('quant table and sharded completeness', () => {
  let sim: HubSim;
  let t: TestApp;
  let token: string;
  before(async () => {
    sim = await startHubSim();
    t = await startTestApp({ HF_ENDPOINT: sim.url });
    token = (await registerAndLogin(t.app)).token;
  });
  after(async () => {
    await t.close();
    await sim.close();
  });
  const get = (url: string) => t.app.inject({ url, headers: bearer(token) });
  const quants = async (repo: string): Promise<QuantsResponse> => {
    const res = await get(`/hf/quants?author=acme&repo=${repo}&revision=main`);
    assert.equal(res.statusCode, 200, res.body);
    return res.json();
  };
  const download = async (repo: string, paths: string[]) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/downloads',
      headers: bearer(token),
      payload: { author: 'acme', repo, revision: 'main', selection: paths.map((path) => ({ path, type: 'file' })) },
    });
    assert.equal(res.statusCode, 202, res.body);
    assert.equal((await waitForStatus(t.app, token, res.json().download_id, ['succeeded', 'failed'])).status, 'succeeded');
  };
  const sizes = async (repo: string) => new Map((await sim.expectedFiles(`acme/${repo}`)).map((f) => [f.path, f.size]));

  it('groups GGUF files by quant type, split files as one entry with their total size', async () => {
    const size = await sizes('split-gguf');
    const q = await quants('split-gguf');
    const byLabel = new Map(q.groups.map((g) => [g.label, g]));
    assert.deepEqual([...byLabel.keys()].sort(), ['IQ3_XXS', 'Q4_K_M', 'Q8_0', 'mmproj F16']);
    const q4 = byLabel.get('Q4_K_M')!;
    assert.deepEqual(
      q4.files.map((f) => f.path),
      ['demo-Q4_K_M-00001-of-00002.gguf', 'demo-Q4_K_M-00002-of-00002.gguf'],
    );
    assert.equal(q4.size_bytes, size.get('demo-Q4_K_M-00001-of-00002.gguf')! + size.get('demo-Q4_K_M-00002-of-00002.gguf')!);
    assert.equal(q4.quant, 'Q4_K_M');
    assert.equal(q4.bits_per_weight, 4.89);
    assert.equal(q4.complete, true);
    assert.ok(q4.ram_bytes > q4.size_bytes);
    const iq3 = byLabel.get('IQ3_XXS')!;
    assert.equal(iq3.files.length, 3);
    assert.equal(iq3.id, 'IQ3_XXS/demo-IQ3_XXS');
    assert.deepEqual(
      q.always_useful.map((f) => f.path),
      ['.gitattributes', 'README.md'],
    );
    assert.deepEqual(q.other, []);
    assert.match(q.ram_overhead, /512 MiB/);
    assert.ok(q.groups.every((g) => !g.downloaded));
  });

  it('marks a quant "already downloaded" once all its files are done for that revision', async () => {
    const before = await quants('split-gguf');
    const q4 = before.groups.find((g) => g.quant === 'Q4_K_M')!;
    await download('split-gguf', [q4.files[0]!.path, ...before.always_useful.map((f) => f.path)]);
    assert.equal((await quants('split-gguf')).groups.find((g) => g.quant === 'Q4_K_M')!.downloaded, false, 'one part of two is not the quant');
    await download('split-gguf', [q4.files[1]!.path]);
    const after = await quants('split-gguf');
    assert.deepEqual(
      after.groups.filter((g) => g.downloaded).map((g) => g.label),
      ['Q4_K_M'],
    );
  });

  it('groups a safetensors shard set by its index; config and tokenizer are "always useful"', async () => {
    const size = await sizes('sharded-model');
    const q = await quants('sharded-model');
    assert.equal(q.groups.length, 1);
    const g = q.groups[0]!;
    assert.equal(g.kind, 'safetensors');
    assert.equal(g.label, 'model (3 shards)');
    assert.deepEqual(
      g.files.map((f) => f.path),
      ['model-00001-of-00003.safetensors', 'model-00002-of-00003.safetensors', 'model-00003-of-00003.safetensors', 'model.safetensors.index.json'],
    );
    assert.equal(
      g.size_bytes,
      g.files.reduce((s, f) => s + size.get(f.path)!, 0),
    );
    assert.equal(g.complete, true);
    assert.equal(g.bits_per_weight, null);
    assert.deepEqual(
      q.always_useful.map((f) => f.path),
      ['.gitattributes', 'README.md', 'config.json', 'tokenizer.json'],
    );
  });

  it('a sharded model is downloaded only when every shard its index names is done', async () => {
    const model = async () => (await get('/db/models?author=acme&repo=sharded-model&revision=main')).json()[0];
    await download('sharded-model', ['config.json', 'model.safetensors.index.json', 'model-00001-of-00003.safetensors', 'model-00002-of-00003.safetensors']);
    const partial = await model();
    assert.equal(partial.files_done, partial.files_tracked, 'every tracked file is done');
    assert.equal(partial.is_downloaded, false, 'yet shard 3 of 3 is missing');
    await download('sharded-model', ['model-00003-of-00003.safetensors']);
    assert.equal((await model()).is_downloaded, true);
  });

  it('a plain repo without shards is unaffected, and a bad query is a clear 400', async () => {
    await download('tiny-model', ['config.json']);
    assert.equal((await get('/db/models?author=acme&repo=tiny-model')).json()[0].is_downloaded, true);
    const bad = await get('/hf/quants?author=acme');
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().message, /repo is required/i);
  });
});
