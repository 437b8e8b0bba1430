// Pull-through (MIRROR_PULL_THROUGH), anonymous reading (MIRROR_ANONYMOUS) and MIRROR=off.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, startTestApp } from './helpers/app.ts';
import { waitForStatus } from './helpers/downloads.ts';
import { startMirrorEnv, upstream, type MirrorEnv } from './helpers/mirror.ts';

describe('pull-through and anonymous reading', () => {
  let e: MirrorEnv;
  let token: string;
  const mirror = (p: string, headers: Record<string, string> = {}) => fetch(`${e.endpoint}${p}`, { headers });
  const jobs = async () =>
    (
      (await e.t.app.inject({ url: '/downloads?all=true', headers: bearer(e.session) })).json() as {
        downloads: Array<{ id: string; repo: string; revision: string }>;
      }
    ).downloads;

  before(async () => {
    e = await startMirrorEnv({ MIRROR_PULL_THROUGH: 'true', MIRROR_ANONYMOUS: 'true' });
    token = await e.createToken('mirror:read');
  });
  after(() => e.close());

  it('anonymous: the mirror reads without a token, but never queues a download', async () => {
    const r = await mirror('/api/models/acme/tiny-model/revision/v1.0');
    assert.equal(r.status, 404);
    assert.equal(r.headers.get('x-error-code'), 'RepoNotFound');
    assert.match(r.headers.get('x-error-message') ?? '', /with a token/);
    assert.deepEqual(await jobs(), []);
  });

  it('a request for a missing revision queues its download, says so, and serves it once done', async () => {
    const r = await mirror('/api/models/acme/tiny-model/revision/v1.0', { authorization: `Bearer ${token}` });
    assert.equal(r.status, 404);
    assert.match(r.headers.get('x-error-message') ?? '', /downloading it now \(job [0-9a-f-]{36}\)/);
    const [job] = await jobs();
    assert.ok(job);
    assert.deepEqual([job.repo, job.revision], ['tiny-model', 'v1.0']);
    // the same request while it runs does not queue a second one
    await mirror('/api/models/acme/tiny-model/revision/v1.0', { authorization: `Bearer ${token}` });
    assert.equal((await jobs()).length, 1);
    assert.equal((await waitForStatus(e.t.app, e.session, job.id, ['succeeded', 'failed'])).status, 'succeeded');

    e.sim.stats.reset();
    const info = await mirror('/api/models/acme/tiny-model/revision/v1.0');
    assert.equal(info.status, 200);
    assert.equal(((await info.json()) as { sha: string }).sha, e.sim.commitSha('acme/tiny-model', 'v1.0'));
    const bytes = Buffer.from(await (await mirror('/acme/tiny-model/resolve/v1.0/model.safetensors')).arrayBuffer());
    assert.ok(bytes.equals(await e.sim.fileBytes('acme/tiny-model', 'v1.0', 'model.safetensors')));
    assert.deepEqual(upstream(e.sim), [], 'served from the library, not the Hub');
  });

  it('a repo the Hub does not have either: 404 in words, nothing queued', async () => {
    const before = (await jobs()).length;
    const r = await mirror('/api/models/acme/no-such-repo', { authorization: `Bearer ${token}` });
    assert.equal(r.status, 404);
    assert.match(r.headers.get('x-error-message') ?? '', /fetching it failed/);
    assert.equal((await jobs()).length, before);
  });
});

describe('MIRROR=off', () => {
  it('answers 404 saying the mirror is off', async () => {
    const t = await startTestApp({ MIRROR: 'off' });
    try {
      const r = await t.app.inject({ url: '/mirror/api/models/acme/tiny-model' });
      assert.equal(r.statusCode, 404);
      assert.match(r.headers['x-error-message'] as string, /MIRROR=off/);
    } finally {
      await t.close();
    }
  });
});
