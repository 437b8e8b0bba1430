// Fidelity with the official Python client (`hf` CLI from huggingface_hub): it must download from the
// simulator unmodified. Skipped, loudly, when `hf` is not installed (pip install huggingface_hub).
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { hfCliEnv } from '../../api/src/jobs/hf-cli-env.ts';
import { defaultCatalog, startHubSim } from '../src/index.ts';
import type { CatalogConfig, ExpectedFile, FaultRule, HubSim, LiveOptions } from '../src/index.ts';

const probe = spawnSync('hf', ['--help'], { encoding: 'utf8' });
const HF_MISSING = probe.error || probe.status !== 0 ? 'hf CLI not on PATH — install it with `pip install huggingface_hub` to run these tests' : false;
if (HF_MISSING && process.env.REQUIRE_HF_CLI === '1') {
  // CI installs huggingface_hub: there a missing CLI is a broken set-up, not a reason to skip
  test('Python fidelity (hf download)', () => assert.fail(HF_MISSING));
} else if (HF_MISSING) {
  console.warn(`SKIPPING Python fidelity tests: ${HF_MISSING}`);
  // a skipped suite is not counted as skipped by the runner; this test is
  test('Python fidelity (hf download)', (t) => t.skip(HF_MISSING));
}

const MiB = 1024 * 1024;
const BIG_FILE_CATALOG: CatalogConfig = {
  tokens: {},
  repos: [{ id: 'acme/big', commits: [{ id: 'init', files: { 'big.bin': { lfs: { size: 24 * MiB + 1 } } } }], refs: { branches: { main: 'init' } } }],
};

const pyProbe = HF_MISSING ? undefined : spawnSync('python3', ['-c', 'import huggingface_hub'], { encoding: 'utf8' });
const PY_API_MISSING = HF_MISSING || (pyProbe?.error || pyProbe?.status !== 0 ? 'python3 cannot import huggingface_hub' : false);

let sim: HubSim;
let work: string;

before(async () => {
  if (HF_MISSING) return;
  sim = await startHubSim();
  work = await mkdtemp(join(tmpdir(), 'hubsim-py-'));
});
after(async () => {
  if (HF_MISSING) return;
  await sim.close();
  await rm(work, { recursive: true, force: true });
});

interface HfResult {
  code: number;
  stdout: string;
  stderr: string;
}

let runs = 0;

/**
 * Runs `hf` asynchronously (the simulator lives in this process, so a blocking spawn would deadlock), in
 * the environment production gives it: the caller's HF_* settings (a real HF_TOKEN, a custom cache)
 * do not leak into these runs.
 */
function hf(endpoint: string, args: string[], extra: Record<string, string> = {}): Promise<HfResult> {
  const { HF_TOKEN: token, HF_HOME: hfHome = join(work, `home-${++runs}`), ...env } = extra;
  return new Promise((resolve) => {
    execFile(
      'hf',
      ['download', ...args],
      {
        env: { ...hfCliEnv({ endpoint, hfHome, token }), ...env },
        timeout: 60_000,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

async function listDownloaded(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split('\\').join('/'))
    .filter((p) => !p.startsWith('.cache/'))
    .sort();
}

function identity(bytes: Buffer, f: ExpectedFile): string {
  return f.lfs ? createHash('sha256').update(bytes).digest('hex') : createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

/** Every expected file (optionally filtered) is present and byte-exact, and nothing else is. */
async function verifyDir(dir: string, repo: string, rev: string, keep: (path: string) => boolean = () => true, from: HubSim = sim): Promise<void> {
  const expected = (await from.expectedFiles(repo, rev)).filter((f) => keep(f.path));
  assert.ok(expected.length > 0);
  assert.deepEqual(await listDownloaded(dir), expected.map((f) => f.path).sort());
  for (const f of expected) {
    const bytes = await readFile(join(dir, f.path));
    assert.equal(bytes.length, f.size, f.path);
    assert.equal(identity(bytes, f), f.lfs ? f.sha256 : f.oid, f.path);
  }
}

function ok(r: HfResult): void {
  assert.equal(r.code, 0, `hf failed:\n${r.stdout}\n${r.stderr}`);
}

describe('hf download (huggingface_hub CLI)', { skip: HF_MISSING }, () => {
  test('acme/tiny-model main into --local-dir', async () => {
    const dir = join(work, 'main');
    ok(await hf(sim.url, ['acme/tiny-model', '--local-dir', dir]));
    await verifyDir(dir, 'acme/tiny-model', 'main');
  });

  for (const rev of ['dev', 'refs/pr/1', 'feature/x', 'v1.0']) {
    test(`--revision ${rev}`, async () => {
      const dir = join(work, `rev-${rev.replaceAll('/', '_')}`);
      ok(await hf(sim.url, ['acme/tiny-model', '--revision', rev, '--local-dir', dir]));
      await verifyDir(dir, 'acme/tiny-model', rev);
    });
  }

  test("--include 'nested/*'", async () => {
    const dir = join(work, 'include');
    ok(await hf(sim.url, ['acme/tiny-model', '--include', 'nested/*', '--local-dir', dir]));
    await verifyDir(dir, 'acme/tiny-model', 'main', (p) => p.startsWith('nested/'));
  });

  test('private repo: works with HF_TOKEN=hf_alice_token, refused without a token', async () => {
    const dir = join(work, 'private');
    ok(await hf(sim.url, ['acme/private-model', '--local-dir', dir], { HF_TOKEN: 'hf_alice_token' }));
    await verifyDir(dir, 'acme/private-model', 'main');
    const refused = await hf(sim.url, ['acme/private-model', '--local-dir', join(work, 'private-anon')]);
    assert.notEqual(refused.code, 0);
    const wrongUser = await hf(sim.url, ['acme/private-model', '--local-dir', join(work, 'private-bob')], { HF_TOKEN: 'hf_bob_token' });
    assert.notEqual(wrongUser.code, 0);
    assert.match(wrongUser.stderr, /not found|Repository/i);
  });

  test('gated repo: refused without approval, allowed for alice', async () => {
    const refused = await hf(sim.url, ['acme/gated-model', '--local-dir', join(work, 'gated-bob')], { HF_TOKEN: 'hf_bob_token' });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /gated|restricted|approval/i);
    const dir = join(work, 'gated-alice');
    ok(await hf(sim.url, ['acme/gated-model', '--local-dir', dir], { HF_TOKEN: 'hf_alice_token' }));
    await verifyDir(dir, 'acme/gated-model', 'main');
  });

  test('cache mode: blobs are named by ETag (sha256 for LFS, git sha1 otherwise)', async () => {
    const home = join(work, 'cache-home');
    ok(await hf(sim.url, ['acme/tiny-model', 'model.safetensors'], { HF_HOME: home }));
    ok(await hf(sim.url, ['acme/tiny-model', 'config.json'], { HF_HOME: home }));
    const repoDir = join(home, 'hub', 'models--acme--tiny-model');
    const expected = await sim.expectedFiles('acme/tiny-model');
    const blobs = (await readdir(join(repoDir, 'blobs'))).sort();
    const want = expected.filter((f) => f.path === 'model.safetensors' || f.path === 'config.json').map((f) => (f.lfs ? f.sha256 : f.oid));
    assert.deepEqual(blobs, want.sort());
    assert.equal((await readFile(join(repoDir, 'refs', 'main'), 'utf8')).trim(), sim.commitSha('acme/tiny-model'));
    const snap = join(repoDir, 'snapshots', sim.commitSha('acme/tiny-model'));
    assert.equal(
      createHash('sha256')
        .update(await readFile(join(snap, 'model.safetensors')))
        .digest('hex'),
      want.find((w) => w?.length === 64),
    );
  });

  // huggingface_hub resumes in-process after RemoteProtocolError (premature close) and timeouts, not after
  // a TCP reset (ReadError), so truncate and stall are the faults it recovers from. It writes in 10 MiB
  // chunks, so only a break after more than 10 MiB leads to a Range request (smaller breaks restart at 0).
  const resumable: Array<{ name: string; rule: FaultRule; env?: Record<string, string> }> = [
    { name: 'a truncated body', rule: { kind: 'truncate', afterBytes: 15 * MiB, match: 'path=big.bin' } },
    {
      name: 'a stalled body (read timeout)',
      rule: { kind: 'stall', afterBytes: 15 * MiB, match: 'path=big.bin' },
      env: { HF_HUB_DOWNLOAD_TIMEOUT: '1' },
    },
  ];
  for (const c of resumable) {
    test(`${c.name} is resumed with a Range request on the CDN`, async () => {
      const own = await startHubSim({ catalog: BIG_FILE_CATALOG, cacheDir: join(work, 'sha-cache') });
      try {
        own.faults.set({ rules: [c.rule] });
        const dir = join(work, `resume-${c.rule.kind}`);
        ok(await hf(own.url, ['acme/big', 'big.bin', '--local-dir', dir], c.env));
        const [f] = (await own.expectedFiles('acme/big')).filter((x) => x.path === 'big.bin');
        assert.ok(f);
        const bytes = await readFile(join(dir, 'big.bin'));
        assert.equal(identity(bytes, f), f.sha256);
        const cdnGets = own.stats.requests.filter((r) => r.server === 'cdn' && r.method === 'GET');
        assert.equal(cdnGets[0]?.fault, c.rule.kind);
        const resumed = cdnGets[1];
        assert.equal(resumed?.status, 206, JSON.stringify(cdnGets));
        assert.match(resumed?.range ?? '', /^bytes=[1-9]\d*-$/);
        assert.equal(resumed?.bytes, f.size - Number(/\d+/.exec(resumed?.range ?? '')?.[0]));
        assert.equal(resumed?.auth, false, 'Authorization must be stripped on the CDN');
      } finally {
        await own.close();
      }
    });
  }

  // The live CDN's validators are absent or per-response and its URLs are signed (docs/hub-protocol.md#file-identity, #signed-urls): hf reads
  // identity from the Hub's 302 and resumes with a plain Range, so it must not care.
  const liveCases: Array<{ name: string; live: LiveOptions }> = [
    { name: 'per-response CDN ETags', live: { cdnEtag: 'per-response' } },
    { name: 'no CDN ETag', live: { cdnEtag: 'none' } },
    { name: 'CloudFront-signed URLs only', live: { signedUrls: 'cloudfront' } },
    { name: 'S3-signed URLs only', live: { signedUrls: 'amz' } },
  ];
  for (const c of liveCases) {
    test(`${c.name}: a download byte-exact, and resumed after a truncated body`, async () => {
      const own = await startHubSim({
        catalog: { ...BIG_FILE_CATALOG, repos: [...BIG_FILE_CATALOG.repos, ...defaultCatalog.repos] },
        cacheDir: join(work, 'sha-cache'),
        live: c.live,
      });
      try {
        const small = join(work, `live-${c.name.replace(/\W+/g, '-')}`);
        ok(await hf(own.url, ['acme/tiny-model', '--local-dir', small]));
        await verifyDir(small, 'acme/tiny-model', 'main', undefined, own);
        own.faults.set({ rules: [{ kind: 'truncate', afterBytes: 15 * MiB, match: 'path=big.bin' }] });
        const dir = join(work, `live-big-${c.name.replace(/\W+/g, '-')}`);
        ok(await hf(own.url, ['acme/big', 'big.bin', '--local-dir', dir]));
        const [f] = (await own.expectedFiles('acme/big')).filter((x) => x.path === 'big.bin');
        assert.ok(f);
        assert.equal(identity(await readFile(join(dir, 'big.bin')), f), f.sha256);
        const cdnGets = own.stats.requests.filter((r) => r.server === 'cdn' && r.method === 'GET' && r.path.endsWith(f.sha256 ?? ''));
        assert.equal(cdnGets[1]?.status, 206, JSON.stringify(cdnGets));
      } finally {
        await own.close();
      }
    });
  }

  test('gzip: a text file sent gzip-compressed and chunked is saved byte-exact', async () => {
    const text = `${'{"token": 1},\n'.repeat(400)}`;
    const own = await startHubSim({
      catalog: { tokens: {}, repos: [{ id: 'acme/text', commits: [{ id: 'c', files: { 'vocab.json': text } }], refs: { branches: { main: 'c' } } }] },
      cacheDir: join(work, 'sha-cache'),
    });
    try {
      const dir = join(work, 'gzip');
      ok(await hf(own.url, ['acme/text', '--local-dir', dir]));
      assert.equal(await readFile(join(dir, 'vocab.json'), 'utf8'), text);
      assert.ok(
        own.stats.requests.some((r) => r.encoding === 'gzip'),
        'hf accepts gzip: the body went compressed',
      );
    } finally {
      await own.close();
    }
  });

  // hf sends its HEADs from 8 threads at once: more than 4 in a window, however loaded the machine is
  test('rate limits: hf waits out a 429 on the resolvers bucket and finishes', async () => {
    const own = await startHubSim({ cacheDir: join(work, 'sha-cache'), live: { rateLimits: { windowSeconds: 2, anonymous: { resolvers: 4 } } } });
    try {
      const dir = join(work, 'rate-limited');
      ok(await hf(own.url, ['acme/tiny-model', '--local-dir', dir]));
      await verifyDir(dir, 'acme/tiny-model', 'main', undefined, own);
      assert.ok(
        own.stats.requests.some((r) => r.status === 429),
        'the quota was hit at least once',
      );
    } finally {
      await own.close();
    }
  });

  test('HfApi.list_repo_tree follows Link pages, retrying a 429 on page 2 (python3 API)', { skip: PY_API_MISSING }, async () => {
    sim.faults.set({ rules: [{ kind: 'status', status: 429, retryAfter: 1, match: 'cursor=' }] });
    try {
      const script = [
        'import os',
        'from huggingface_hub import HfApi',
        'api = HfApi(endpoint=os.environ["HF_ENDPOINT"])',
        'items = list(api.list_repo_tree("acme/many-files", recursive=True))',
        'print(len([i for i in items if i.__class__.__name__ == "RepoFile"]), len(items))',
      ].join('\n');
      const out = await new Promise<string>((resolve, reject) => {
        execFile('python3', ['-c', script], { env: hfCliEnv({ endpoint: sim.url, hfHome: join(work, 'py-api') }), timeout: 60_000 }, (err, stdout, stderr) =>
          err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
        );
      });
      assert.equal(out.trim(), '5002 5058');
      const limited = sim.stats.requests.filter((r) => r.status === 429);
      assert.equal(limited.length, 1);
    } finally {
      sim.faults.reset();
    }
  });
  test('HfApi.whoami says whose token it is; an unknown token is refused (python3 API)', { skip: PY_API_MISSING }, async () => {
    const script = [
      'import os',
      'from huggingface_hub import HfApi',
      'api = HfApi(endpoint=os.environ["HF_ENDPOINT"])',
      'me = api.whoami(token=os.environ["WHO"])',
      'print(me["name"], me["type"], me["auth"]["type"], me["auth"]["accessToken"]["role"])',
    ].join('\n');
    const run = (who: string) =>
      new Promise<{ code: number; out: string }>((resolve) => {
        execFile(
          'python3',
          ['-c', script],
          { env: { ...hfCliEnv({ endpoint: sim.url, hfHome: join(work, 'py-whoami') }), WHO: who }, timeout: 60_000 },
          (err, stdout, stderr) => resolve({ code: err ? 1 : 0, out: stdout + stderr }),
        );
      });
    const alice = await run('hf_alice_token');
    assert.equal(alice.code, 0, alice.out);
    assert.equal(alice.out.trim(), 'alice user access_token read');
    const unknown = await run('hf_nobody_token');
    assert.equal(unknown.code, 1);
    assert.match(unknown.out, /Invalid user token|401/);
  });
});
