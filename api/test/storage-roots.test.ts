import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startHubSim, type HubSim } from '@d011dl/hubsim';
import { ConfigError, loadConfig } from '../src/config/config.ts';
import { bearer, registerAndLogin, startTestApp, type TestApp } from './helpers/app.ts';
import { assertFilesExact, waitForStatus } from './helpers/downloads.ts';

const base = { NODE_ENV: 'development', STORAGE_ROOT: '/srv/models' };
const problems = (env: Record<string, string>) => {
  try {
    loadConfig({ ...base, ...env });
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
};

describe('storage roots: settings', () => {
  it('reads named roots beside the default one, and display paths per root', () => {
    const c = loadConfig({ ...base, STORAGE_ROOTS: 'fast=/mnt/ssd/models, nas=/media/nas', STORAGE_DISPLAY_ROOTS: 'nas=\\\\nas\\models' });
    assert.deepEqual(
      c.storageRoots.map((r) => [r.name, r.path, r.displayRoot]),
      [
        ['default', '/srv/models', null],
        ['fast', '/mnt/ssd/models', null],
        ['nas', '/media/nas', '\\\\nas\\models'],
      ],
    );
  });

  it('names the bad variable and says what is wrong', () => {
    assert.match(problems({ STORAGE_ROOTS: 'fast' })[0]!, /^STORAGE_ROOTS: "fast" is not name=value/);
    assert.match(problems({ STORAGE_ROOTS: 'Fast!=/x' })[0]!, /^STORAGE_ROOTS: "Fast!" is not a valid root name/);
    assert.match(problems({ STORAGE_ROOTS: 'a=/x,a=/y' })[0]!, /used twice/);
    assert.match(problems({ STORAGE_ROOTS: 'default=/x' })[0]!, /used twice/);
    assert.match(problems({ STORAGE_ROOTS: 'a=relative/path' })[0]!, /must be absolute/);
    assert.match(problems({ STORAGE_ROOTS: 'a=/srv/models/inner' })[0]!, /overlaps the root "default"/);
    assert.match(problems({ STORAGE_ROOTS: 'a=/srv' })[0]!, /overlaps the root "default"/);
    assert.match(problems({ STORAGE_DISPLAY_ROOTS: 'nas=/x' })[0]!, /^STORAGE_DISPLAY_ROOTS: there is no storage root named "nas"/);
  });
});

describe('storage roots: downloads, catalog, usage', () => {
  let sim: HubSim;
  let t: TestApp;
  let token: string;
  let second: string;
  before(async () => {
    sim = await startHubSim();
    // the second root is an explicit one: D011DL must not create it (the test does, later)
    second = path.join(await mkdtemp(path.join(os.tmpdir(), 'd011dl-root-')), 'fast');
    t = await startTestApp({ HF_ENDPOINT: sim.url, STORAGE_ROOTS: `fast=${second}` });
    token = (await registerAndLogin(t.app)).token;
  });
  after(async () => {
    await t.close();
    await sim.close();
    await rm(path.dirname(second), { recursive: true, force: true });
  });
  const get = (url: string) => t.app.inject({ url, headers: bearer(token) });
  const post = (url: string, payload: object) => t.app.inject({ method: 'POST', url, payload, headers: bearer(token) });

  it('an explicit root that does not exist is reported, not created', async () => {
    const h = (await t.app.inject({ url: '/healthz' })).json();
    assert.equal(h.status, 'degraded');
    assert.deepEqual(
      h.checks.roots.map((r: { name: string; ok: boolean }) => [r.name, r.ok]),
      [
        ['default', true],
        ['fast', false],
      ],
    );
    const res = await post('/downloads', { author: 'acme', repo: 'tiny-model', storage: 'fast' });
    assert.equal(res.statusCode, 503, res.body);
    assert.match(res.json().message, /storage root "fast" .* does not exist/);
  });

  it('refuses a root that is not configured, naming the roots there are', async () => {
    const res = await post('/downloads', { author: 'acme', repo: 'tiny-model', storage: 'nas' });
    assert.equal(res.statusCode, 404, res.body);
    assert.match(res.json().message, /no storage root named "nas"; the roots are: default, fast/);
  });

  it('downloads the same revision to two roots: two catalog entries, each in its own folder', async () => {
    await mkdir(second);
    const onDefault = (await post('/downloads', { author: 'acme', repo: 'tiny-model' })).json().download_id;
    const res = await post('/downloads', { author: 'acme', repo: 'tiny-model', storage: 'fast' });
    assert.equal(res.statusCode, 202, res.body);
    const onFast = res.json().download_id;
    for (const id of [onDefault, onFast]) assert.equal((await waitForStatus(t.app, token, id, ['succeeded', 'failed'])).status, 'succeeded');
    const d = (await get(`/downloads/${onFast}`)).json();
    assert.equal(d.storage, 'fast');
    assert.equal(d.kind, 'download');
    assert.equal(d.local_path, path.join(second, 'acme', 'tiny-model', 'main'));
    await assertFilesExact(sim, second, 'acme/tiny-model', 'main', 'main');
    await assertFilesExact(sim, t.config.storageRoot, 'acme/tiny-model', 'main', 'main');

    const models = (await get('/db/models?author=acme&repo=tiny-model')).json();
    assert.deepEqual(models.map((m: { storage: string }) => m.storage).sort(), ['default', 'fast']);
    const fast = (await get('/db/models?storage=fast')).json();
    assert.equal(fast.length, 1);
    assert.equal(fast[0].local_path, path.join(second, 'acme', 'tiny-model', 'main'));
    assert.equal((await t.app.inject({ url: '/healthz' })).json().status, 'ok');
  });

  it('GET /storage: per root, size and free space as df says, and what D011DL keeps there', async () => {
    const s = (await get('/storage')).json();
    assert.deepEqual(
      s.roots.map((r: { name: string }) => r.name),
      ['default', 'fast'],
    );
    const df = (p: string) =>
      execFileSync('df', ['-B1', '--output=size,avail', p], { encoding: 'utf8' }).trim().split('\n')[1]!.trim().split(/\s+/).map(Number);
    for (const r of s.roots) {
      assert.equal(r.ok, true, r.problem);
      // other work on the machine writes to the same disk: df is read before and after, and D011DL's
      // answer (taken in between) must lie within what df saw, give or take 16 MiB
      const [size, before] = df(r.path);
      const api = (await get('/storage')).json().roots.find((x: { name: string }) => x.name === r.name);
      const [, after] = df(r.path);
      assert.equal(api.total_bytes, size);
      const slack = 16 * 2 ** 20;
      assert.ok(
        api.free_bytes >= Math.min(before!, after!) - slack && api.free_bytes <= Math.max(before!, after!) + slack,
        `${api.free_bytes} vs df ${before}..${after}`,
      );
      assert.equal(r.reserve_bytes, t.config.downloads.diskReserveBytes);
      const model = (await get(`/db/models?storage=${r.name}`)).json()[0];
      assert.equal(r.used_bytes, model.bytes_on_disk);
      assert.equal(r.models, 1);
      assert.deepEqual(r.largest[0], { id: model.id, author: 'acme', repo: 'tiny-model', revision: 'main', bytes_on_disk: model.bytes_on_disk });
    }
  });
});
