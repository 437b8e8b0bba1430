// The official clients, unchanged, against the mirror: `hf download` (huggingface_hub, no Xet),
// snapshot_download's cache, and @huggingface/hub's listFiles/downloadFile. What they get must be the
// repo as D011DL downloaded it, byte for byte, and the upstream Hub must see none of it.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readlink, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { downloadFile, listFiles } from '@huggingface/hub';
import { filesUnder, HF_MISSING, hf, identity, ok, python, startMirrorEnv, upstream, type MirrorEnv } from './helpers/mirror.ts';

const REPO = 'acme/tiny-model';

describe('official clients against /mirror', () => {
  let e: MirrorEnv;
  let token: string;
  let work: string;
  let n = 0;
  const home = () => path.join(work, `home-${++n}`);

  before(async () => {
    e = await startMirrorEnv();
    await e.download('acme', 'tiny-model', 'main');
    await e.download('acme', 'tiny-model', 'v1.0');
    // 1,000 files and their folders: more than one page of a recursive listing
    await e.download('acme', 'many-files', 'main', [{ path: 'data/1', type: 'dir' }]);
    token = await e.createToken('mirror:read');
    work = await mkdtemp(path.join(os.tmpdir(), 'd011dl-mirror-clients-'));
    e.sim.stats.reset();
  });
  after(async () => {
    await e.close();
    await rm(work, { recursive: true, force: true });
  });

  /** Every expected file (optionally filtered) is in `dir`, byte-exact, and nothing else. */
  async function verify(dir: string, rev: string, keep: (p: string) => boolean = () => true) {
    const expected = (await e.sim.expectedFiles(REPO, rev)).filter((f) => keep(f.path));
    assert.ok(expected.length > 0);
    assert.deepEqual(await filesUnder(dir), expected.map((f) => f.path).sort());
    for (const f of expected) assert.equal(identity(await readFile(path.join(dir, f.path)), f), f.lfs ? f.sha256 : f.oid, f.path);
  }

  describe('hf download', { skip: HF_MISSING }, () => {
    for (const rev of ['main', 'v1.0', 'sha']) {
      it(`whole repo by ${rev === 'sha' ? 'commit SHA' : rev}`, async () => {
        const revision = rev === 'sha' ? e.sim.commitSha(REPO, 'main') : rev;
        const dir = path.join(work, `local-${rev}`);
        ok(await hf(e.endpoint, home(), [REPO, '--revision', revision, '--local-dir', dir], token));
        await verify(dir, rev === 'sha' ? 'main' : rev);
      });
    }

    it('--include picks files and folders', async () => {
      const dir = path.join(work, 'include');
      ok(await hf(e.endpoint, home(), [REPO, '--include', '*.json', '--include', 'nested/*', '--local-dir', dir], token));
      await verify(dir, 'main', (p) => p.endsWith('.json') || p.startsWith('nested/'));
    });

    it("one file, and the Hub's errors in hf's words", async () => {
      const dir = path.join(work, 'single');
      ok(await hf(e.endpoint, home(), [REPO, 'nested/deep/weights.bin', '--local-dir', dir], token));
      await verify(dir, 'main', (p) => p === 'nested/deep/weights.bin');
      const missing = await hf(e.endpoint, home(), [REPO, 'nope.bin', '--local-dir', dir], token);
      assert.notEqual(missing.code, 0);
      assert.match(missing.stderr + missing.stdout, /Entry Not Found|EntryNotFound|not found/i);
      const noToken = await hf(e.endpoint, home(), [REPO, '--local-dir', path.join(work, 'denied')]);
      assert.notEqual(noToken.code, 0);
      assert.match(noToken.stderr + noToken.stdout, /401|token/i);
    });

    it('snapshot_download into the cache: blobs named by ETag, and a second run fetches nothing', async () => {
      const hfHome = home();
      const script = `from huggingface_hub import snapshot_download\nprint(snapshot_download('${REPO}', revision='v1.0'))`;
      const first = await python(e.endpoint, hfHome, script, token);
      ok(first);
      const snap = first.stdout.trim().split('\n').pop()!;
      assert.equal(path.basename(snap), e.sim.commitSha(REPO, 'v1.0'));
      await verify(snap, 'v1.0');
      const mtimes = new Map<string, number>();
      for (const f of await e.sim.expectedFiles(REPO, 'v1.0')) {
        const link = await readlink(path.join(snap, f.path));
        // the cache names each blob by the ETag the mirror sent: the SHA-256 or the git blob id
        assert.equal(path.basename(link), f.lfs ? f.sha256 : f.oid, f.path);
        mtimes.set(f.path, (await stat(path.join(snap, f.path))).mtimeMs);
      }
      ok(await python(e.endpoint, hfHome, script, token));
      for (const [p, m] of mtimes) assert.equal((await stat(path.join(snap, p))).mtimeMs, m, `${p} was not fetched again`);
    });
  });

  describe('@huggingface/hub', () => {
    const credentials = () => ({ accessToken: token });
    async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
      const out: T[] = [];
      for await (const x of it) out.push(x);
      return out;
    }

    for (const rev of ['main', 'v1.0', 'sha']) {
      it(`listFiles and downloadFile by ${rev === 'sha' ? 'commit SHA' : rev}, byte-exact`, async () => {
        const revision = rev === 'sha' ? e.sim.commitSha(REPO, 'main') : rev;
        const expected = await e.sim.expectedFiles(REPO, rev === 'sha' ? 'main' : rev);
        const entries = await collect(listFiles({ repo: REPO, recursive: true, revision, hubUrl: e.endpoint, credentials: credentials() }));
        assert.deepEqual(
          entries
            .filter((x) => x.type === 'file')
            .map((x) => x.path)
            .sort(),
          expected.map((f) => f.path).sort(),
        );
        // the JS client probes with Range: bytes=0-0, which an empty file cannot answer (on the Hub neither)
        for (const f of expected.filter((x) => x.size > 0)) {
          const blob = await downloadFile({ repo: REPO, path: f.path, revision, hubUrl: e.endpoint, credentials: credentials() });
          assert.ok(blob, f.path);
          assert.equal(identity(Buffer.from(await blob.arrayBuffer()), f), f.lfs ? f.sha256 : f.oid, f.path);
        }
      });
    }

    it('listFiles follows the Link pages of a listing over 1,000 entries', async () => {
      const entries = await collect(listFiles({ repo: 'acme/many-files', recursive: true, hubUrl: e.endpoint, credentials: credentials() }));
      assert.equal(entries.filter((x) => x.type === 'file').length, 1000);
      assert.equal(new Set(entries.map((x) => x.path)).size, entries.length);
    });
  });

  it('the simulator saw no request from any of it', () => {
    assert.deepEqual(upstream(e.sim), []);
  });
});
