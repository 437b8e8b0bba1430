// Fidelity with the official JS client (@huggingface/hub): it must accept the simulator unmodified.
import { downloadFile, fileDownloadInfo, fileExists, listFiles, modelInfo, pathsInfo, snapshotDownload } from '@huggingface/hub';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startHubSim } from '../src/index.ts';
import type { ExpectedFile, HubSim } from '../src/index.ts';

let sim: HubSim;
let hubUrl: string;

before(async () => {
  sim = await startHubSim();
  hubUrl = sim.url;
});
after(() => sim.close());

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** The identity a download must match: sha256 for LFS files, git blob sha1 for regular ones. */
function matches(bytes: Buffer, f: ExpectedFile): boolean {
  if (f.lfs) return createHash('sha256').update(bytes).digest('hex') === f.sha256;
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex') === f.oid;
}

describe('listFiles', () => {
  test('recursive listing of acme/tiny-model matches the simulator', async () => {
    const entries = await collect(listFiles({ repo: 'acme/tiny-model', recursive: true, hubUrl }));
    const expected = await sim.expectedFiles('acme/tiny-model');
    const files = entries.filter((e) => e.type === 'file');
    assert.deepEqual(files.map((e) => e.path).sort(), expected.map((f) => f.path).sort());
    for (const f of expected) {
      const e = files.find((x) => x.path === f.path);
      assert.equal(e?.oid, f.oid);
      assert.equal(e?.size, f.size);
      assert.equal(e?.lfs?.oid, f.sha256);
    }
    assert.ok(entries.some((e) => e.type === 'directory' && e.path === 'nested/deep'));
  });

  test('follows Link pages across acme/many-files', async () => {
    const entries = await collect(listFiles({ repo: 'acme/many-files', recursive: true, hubUrl }));
    assert.equal(entries.filter((e) => e.type === 'file').length, 5002);
    assert.equal(new Set(entries.map((e) => e.path)).size, entries.length);
  });

  test('expand pages of 50 and a raw refs/pr/1 revision with a sub-path', async () => {
    const expanded = await collect(listFiles({ repo: 'acme/many-files', path: 'data/1', recursive: true, expand: true, hubUrl }));
    assert.equal(expanded.filter((e) => e.type === 'file').length, 1000);
    assert.ok(expanded.every((e) => e.lastCommit?.id === sim.commitSha('acme/many-files')));
    const pr = await collect(listFiles({ repo: 'acme/tiny-model', revision: 'refs/pr/1', hubUrl }));
    assert.ok(pr.some((e) => e.path === 'pr-file.txt'));
  });
});

describe('metadata', () => {
  test('modelInfo, fileExists, pathsInfo, fileDownloadInfo', async () => {
    const info = await modelInfo({ name: 'acme/tiny-model', hubUrl, additionalFields: ['sha'] });
    assert.equal(info.name, 'acme/tiny-model');
    assert.equal(info.sha, sim.commitSha('acme/tiny-model'));
    assert.equal(info.private, false);
    assert.equal(await fileExists({ repo: 'acme/tiny-model', path: 'config.json', hubUrl }), true);
    assert.equal(await fileExists({ repo: 'acme/tiny-model', path: 'nope.txt', hubUrl }), false);
    const paths = await pathsInfo({ repo: 'acme/tiny-model', paths: ['model.safetensors'], expand: true, hubUrl });
    assert.equal(paths.length, 1);
    assert.match(paths[0]?.lfs?.oid ?? '', /^[0-9a-f]{64}$/);
    // unchanged since the first commit (tag v1.0)
    assert.equal(paths[0]?.lastCommit?.id, sim.commitSha('acme/tiny-model', 'v1.0'));
    // Without Xet the JS client reads the ETag of the CDN's answer; the live CDN's is per response (the
    // default here), so the content hash only comes through with a stable CDN ETag.
    const live = await fileDownloadInfo({ repo: 'acme/tiny-model', path: 'model.safetensors', hubUrl });
    assert.equal(live?.size, 3 * 1024 * 1024 + 5);
    assert.notEqual(live?.etag, `"${paths[0]?.lfs?.oid}"`);
    sim.live.update({ cdnEtag: 'stable' });
    const dl = await fileDownloadInfo({ repo: 'acme/tiny-model', path: 'model.safetensors', hubUrl });
    sim.live.reset();
    assert.equal(dl?.size, 3 * 1024 * 1024 + 5);
    assert.equal(dl?.etag, `"${paths[0]?.lfs?.oid}"`);
    assert.equal(dl?.xet, undefined);
    assert.equal(await fileDownloadInfo({ repo: 'acme/tiny-model', path: 'nope.txt', hubUrl }), null);
  });
});

describe('downloadFile', () => {
  test('every non-empty file of acme/tiny-model is byte-exact', async () => {
    // empty.txt is left out: JS probes with Range: bytes=0-0, unsatisfiable on a 0-byte file (416)
    const expected = (await sim.expectedFiles('acme/tiny-model')).filter((f) => f.size > 0);
    for (const f of expected) {
      const blob = await downloadFile({ repo: 'acme/tiny-model', path: f.path, hubUrl });
      assert.ok(blob, f.path);
      const bytes = Buffer.from(await blob.arrayBuffer());
      assert.equal(bytes.length, f.size, f.path);
      assert.ok(matches(bytes, f), f.path);
    }
  });

  test('private repo with accessToken', async () => {
    const expected = await sim.expectedFiles('acme/private-model');
    for (const f of expected) {
      const blob = await downloadFile({ repo: 'acme/private-model', path: f.path, hubUrl, accessToken: 'hf_alice_token' });
      assert.ok(blob);
      assert.ok(matches(Buffer.from(await blob.arrayBuffer()), f), f.path);
    }
    await assert.rejects(downloadFile({ repo: 'acme/private-model', path: 'config.json', hubUrl }));
    await assert.rejects(downloadFile({ repo: 'acme/gated-model', path: 'config.json', hubUrl, accessToken: 'hf_bob_token' }), /restricted/);
  });

  test('dev revision and raw pointer', async () => {
    const devConfig = await downloadFile({ repo: 'acme/tiny-model', path: 'config.json', revision: 'dev', hubUrl });
    assert.deepEqual(Buffer.from((await devConfig?.arrayBuffer()) ?? new ArrayBuffer(0)), await sim.fileBytes('acme/tiny-model', 'dev', 'config.json'));
    const pointer = await downloadFile({ repo: 'acme/tiny-model', path: 'model.safetensors', raw: true, hubUrl });
    assert.match((await pointer?.text()) ?? '', /^version https:\/\/git-lfs.github.com\/spec\/v1\noid sha256:[0-9a-f]{64}\nsize 3145733\n$/);
  });
});

describe('snapshotDownload', () => {
  test('TheBloke/Demo-GGUF@q4-only into a cache dir', async () => {
    const cacheDir = await mkdtemp(join(tmpdir(), 'hubsim-js-cache-'));
    try {
      const dir = await snapshotDownload({ repo: 'TheBloke/Demo-GGUF', revision: 'q4-only', cacheDir, hubUrl });
      const sha = sim.commitSha('TheBloke/Demo-GGUF', 'q4-only');
      assert.ok(dir.endsWith(sha), dir);
      const expected = await sim.expectedFiles('TheBloke/Demo-GGUF', 'q4-only');
      assert.deepEqual(expected.map((f) => f.path).sort(), ['.gitattributes', 'README.md', 'demo.Q4_K_M.gguf']);
      for (const f of expected) {
        assert.ok(matches(await readFile(join(dir, f.path)), f), f.path);
      }
      // blobs are named by lfs.oid (sha256) for LFS files
      const q4 = expected.find((f) => f.lfs);
      assert.ok((await readlink(join(dir, q4?.path ?? ''))).endsWith(`blobs/${q4?.sha256}`));
      const ref = await readFile(join(cacheDir, 'models--TheBloke--Demo-GGUF', 'refs', 'q4-only'), 'utf8');
      assert.equal(ref.trim(), sha);
    } finally {
      await rm(cacheDir, { recursive: true, force: true });
    }
  });
});
