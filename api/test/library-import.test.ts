// Import from disk: POST /db/import finds revision folders the catalog does not know and an import job
// checks each against the Hub, downloading nothing.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startHubSim, type HubSim } from '@d011dl/hubsim';
import { hfCliEnv } from '../src/jobs/hf-cli-env.ts';
import { bearer, registerAndLogin, startTestApp, type TestApp } from './helpers/app.ts';
import { assertFilesExact, until, waitForStatus } from './helpers/downloads.ts';
import { hfCliSkip } from './helpers/hf-cli.ts';

const REPO = 'acme/tiny-model';

/** `hf download --local-dir`, as a person would have run it before D011DL (asynchronous: the simulator lives here). */
function hfDownload(endpoint: string, hfHome: string, revision: string, dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      'hf',
      ['download', REPO, '--revision', revision, '--local-dir', dir],
      { env: hfCliEnv({ endpoint, hfHome }), timeout: 120_000 },
      (err, _o, stderr) => (err ? reject(new Error(`hf download failed: ${stderr}`)) : resolve()),
    );
  });
}

// requests that fetch file content (the resolve routes, the CDN): an import makes none
const fileRequests = (sim: HubSim) =>
  sim.stats.requests.filter((r) => r.server === 'cdn' || r.path.includes('/resolve/') || r.path.includes('/resolve-cache/'));

describe('import from disk (POST /db/import)', () => {
  let sim: HubSim;
  let t: TestApp;
  let token: string;
  let outside: string;
  before(async () => {
    sim = await startHubSim();
    t = await startTestApp({ HF_ENDPOINT: sim.url });
    token = (await registerAndLogin(t.app)).token;
    outside = await mkdtemp(path.join(os.tmpdir(), 'd011dl-outside-'));
  });
  after(async () => {
    await t.close();
    await sim.close();
    await rm(outside, { recursive: true, force: true });
  });
  const root = () => t.config.storageRoot;
  const revDir = (rev: string) => path.join(root(), 'acme', 'tiny-model', rev);
  const importNow = async (payload: object = {}, auth = token) => {
    const res = await t.app.inject({ method: 'POST', url: '/db/import', headers: bearer(auth), payload });
    assert.equal(res.statusCode, 202, res.body);
    return res.json() as { imports: Array<{ revision: string; download_id: string; model_id: string }>; skipped: Array<{ path: string; reason: string }> };
  };
  const files = async (id: string) =>
    new Map(
      (
        (await t.app.inject({ url: `/downloads/${id}/files`, headers: bearer(token) })).json().files as Array<{
          path: string;
          status: string;
          error: string | null;
        }>
      ).map((f) => [f.path, f]),
    );
  /** the revision's files as the Hub has them, written by hand */
  const writeRevision = async (rev: string) => {
    for (const f of await sim.expectedFiles(REPO, rev)) {
      const p = path.join(revDir(rev), ...f.path.split('/'));
      await mkdir(path.dirname(p), { recursive: true });
      await writeFile(p, await sim.fileBytes(REPO, rev, f.path));
    }
  };

  it('a folder made by `hf download --local-dir` is imported with every file done, nothing fetched', {
    skip: hfCliSkip,
  }, async () => {
    await hfDownload(sim.url, path.join(t.dir, 'hf-home'), 'main', revDir('main'));
    sim.stats.reset();
    const res = await importNow();
    assert.deepEqual(
      res.imports.map((i) => i.revision),
      ['main'],
    );
    const d = await waitForStatus(t.app, token, res.imports[0]!.download_id, ['succeeded', 'failed']);
    assert.equal(d.status, 'succeeded', d.log);
    assert.equal(d.kind, 'import');
    assert.equal(d.commit_sha, sim.commitSha(REPO, 'main'));
    const n = (await sim.expectedFiles(REPO, 'main')).length;
    assert.equal(d.files_done, n);
    assert.equal(d.files_total, n);
    assert.equal(d.bytes_done, d.bytes_total);
    assert.ok([...(await files(d.id)).values()].every((f) => f.status === 'done'));
    // hf's own .cache/huggingface is not an extra file
    assert.doesNotMatch(d.log, /extra file/);
    assert.deepEqual(fileRequests(sim), [], 'nothing downloaded');
    const model = (await t.app.inject({ url: '/db/models?revision=main', headers: bearer(token) })).json()[0];
    assert.equal(model.id, d.model_id);
    assert.equal(model.is_downloaded, true);
    assert.equal(model.storage, 'default');
    await assertFilesExact(sim, root(), REPO, 'main', 'main');
    // known now: a second scan imports nothing
    assert.deepEqual((await importNow()).imports, []);
  });

  it('reports corrupt, missing, linked and extra files, skips what is not a revision folder, follows no link', async () => {
    await writeRevision('dev');
    const dev = revDir('dev');
    const bad = await sim.fileBytes(REPO, 'dev', 'model.safetensors');
    bad[1000] = (bad[1000] ?? 0) ^ 0xff;
    await writeFile(path.join(dev, 'model.safetensors'), bad);
    await writeFile(path.join(dev, 'config.json'), '{}');
    await unlink(path.join(dev, 'dev-only.txt'));
    await writeFile(path.join(dev, 'notes-of-mine.txt'), 'not from the Hub');
    // a tracked file and a tracked folder replaced by links to good copies outside: neither is followed
    await writeFile(path.join(outside, 'README.md'), await sim.fileBytes(REPO, 'dev', 'README.md'));
    await unlink(path.join(dev, 'README.md'));
    await symlink(path.join(outside, 'README.md'), path.join(dev, 'README.md'));
    await rm(path.join(dev, 'nested'), { recursive: true });
    await mkdir(path.join(outside, 'nested', 'deep'), { recursive: true });
    for (const p of ['nested/notes.txt', 'nested/deep/weights.bin']) await writeFile(path.join(outside, p), await sim.fileBytes(REPO, 'dev', p));
    await symlink(path.join(outside, 'nested'), path.join(dev, 'nested'));
    // a revision that is no longer on the Hub
    await mkdir(revDir('gone-branch'));
    await writeFile(path.join(revDir('gone-branch'), 'config.json'), '{}');
    // not revision folders: links at every level, bad names, a stray file, an empty folder
    await symlink(outside, path.join(root(), 'elsewhere'));
    await symlink(dev, path.join(root(), 'acme', 'tiny-model', 'dev-again'));
    await mkdir(path.join(root(), 'not--valid', 'repo', 'main'), { recursive: true });
    await writeFile(path.join(root(), 'acme', 'stray.txt'), 'x');
    await mkdir(revDir('empty'));

    sim.stats.reset();
    const res = await importNow({ storage: 'default' });
    assert.deepEqual(res.imports.map((i) => i.revision).sort(), ['dev', 'gone-branch']);
    const reasons = new Map(res.skipped.map((s) => [s.path, s.reason]));
    assert.match(reasons.get('elsewhere') ?? '', /symbolic link/);
    assert.match(reasons.get('acme/tiny-model/dev-again') ?? '', /symbolic link/);
    assert.match(reasons.get('not--valid') ?? '', /not a Hugging Face author name/);
    assert.match(reasons.get('acme/stray.txt') ?? '', /not a folder/);
    assert.match(reasons.get('acme/tiny-model/empty') ?? '', /empty/);
    assert.ok(!reasons.has('.d011dl'), "D011DL's own folder is not a candidate");

    const devJob = res.imports.find((i) => i.revision === 'dev')!;
    const d = await waitForStatus(t.app, token, devJob.download_id, ['succeeded', 'failed']);
    assert.equal(d.status, 'failed');
    assert.match(d.error, /6 of 10 files on disk do not match the Hub/);
    const f = await files(d.id);
    assert.match(f.get('model.safetensors')!.error!, /^wrong hash: sha256 expected/);
    assert.match(f.get('config.json')!.error!, /^wrong size: 2 bytes on disk, \d+ on the Hub/);
    assert.match(f.get('dev-only.txt')!.error!, /^missing/);
    assert.match(f.get('README.md')!.error!, /symbolic link/);
    assert.match(f.get('nested/notes.txt')!.error!, /folder nested is a symbolic link, not followed/);
    assert.equal(f.get('nested/deep/weights.bin')!.status, 'failed');
    assert.equal(f.get('.gitattributes')!.status, 'done');
    assert.equal(f.get('unicode/modèle-ü.txt')!.status, 'done');
    assert.match(d.log, /extra file on disk, not in the repo at this commit \(not tracked\): notes-of-mine\.txt/);

    const gone = await waitForStatus(t.app, token, res.imports.find((i) => i.revision === 'gone-branch')!.download_id, ['succeeded', 'failed']);
    assert.equal(gone.status, 'failed');
    assert.match(gone.error, /acme\/tiny-model has no branch, tag or commit "gone-branch"/);
    const entry = (await t.app.inject({ url: '/db/models?revision=gone-branch', headers: bearer(token) })).json();
    assert.equal(entry.length, 1, 'the entry is recorded');
    assert.equal(entry[0].is_downloaded, false);
    assert.deepEqual(fileRequests(sim), [], 'nothing downloaded');

    // put right by hand, a retry checks every file again and the revision is complete
    await writeRevision('dev');
    await rm(path.join(dev, 'nested'));
    await unlink(path.join(dev, 'README.md'));
    await writeRevision('dev');
    const retry = await t.app.inject({ method: 'POST', url: `/downloads/${d.id}/retry`, headers: bearer(token) });
    assert.equal(retry.statusCode, 200, retry.body);
    const again = await waitForStatus(t.app, token, d.id, ['succeeded', 'failed']);
    assert.equal(again.status, 'succeeded', again.log);
    await assertFilesExact(sim, root(), REPO, 'dev', 'dev');
    assert.deepEqual(fileRequests(sim), [], 'still nothing downloaded');
  });

  it('waits out a Hub outage before it can list the files, showing why, and then imports', { timeout: 120_000 }, async () => {
    await writeRevision('v1.0');
    // every answer of the Hub's API is a 503 until the test lifts it: far longer than quick retries cover
    sim.faults.set({ rules: [{ kind: 'status', status: 503, match: '/api/', count: 1_000_000 }] });
    try {
      const res = await importNow();
      const id = res.imports.find((i) => i.revision === 'v1.0')!.download_id;
      const d = await until(
        'the import waits for the Hub',
        async () =>
          (await t.app.inject({ url: `/downloads/${id}`, headers: bearer(token) })).json() as {
            status: string;
            waiting: { message: string; attempt: number } | null;
          },
        (x) => (x.waiting?.attempt ?? 0) >= 2,
        60_000,
      );
      assert.equal(d.status, 'running', JSON.stringify(d));
      assert.match(d.waiting?.message ?? '', /answered 503/);
      sim.faults.reset();
      const done = await waitForStatus(t.app, token, id, ['succeeded', 'failed'], 90_000);
      assert.equal(done.status, 'succeeded', done.log);
      assert.equal(done.waiting, null);
      assert.match(done.log, /waiting for the Hub/);
    } finally {
      sim.faults.reset();
    }
  });

  it('is for administrators, and names a root that does not exist', async () => {
    const made = await t.app.inject({ method: 'POST', url: '/admin/users', headers: bearer(token), payload: { username: 'bob', password: 'long-enough-pw' } });
    assert.equal(made.statusCode, 201, made.body);
    const login = await t.app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'bob', password: 'long-enough-pw' } });
    const other = login.json().token;
    const res = await t.app.inject({ method: 'POST', url: '/db/import', headers: bearer(other), payload: {} });
    assert.equal(res.statusCode, 403);
    const unknown = await t.app.inject({ method: 'POST', url: '/db/import', headers: bearer(token), payload: { storage: 'nas' } });
    assert.equal(unknown.statusCode, 404);
    assert.match(unknown.json().message, /no storage root named "nas"/);
    // no body at all scans the default root
    const bare = await t.app.inject({ method: 'POST', url: '/db/import', headers: bearer(token) });
    assert.equal(bare.statusCode, 202, bare.body);
  });
});
