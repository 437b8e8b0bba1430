import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { bearer, registerAndLogin, startTestApp, type TestApp } from './helpers/app.ts';
import { adminQuery } from './helpers/db.ts';

describe('healthz', () => {
  it('is 200 when the database and storage are fine, and needs no token', async () => {
    const t = await startTestApp();
    try {
      const res = await t.app.inject({ url: '/healthz' });
      assert.equal(res.statusCode, 200);
      assert.equal(res.json().status, 'ok');
      assert.ok(res.json().checks.storage.free_bytes > 0);
    } finally {
      await t.close();
    }
  });

  it('is 503 naming the storage when STORAGE_ROOT is missing (e.g. NAS not mounted), and does not create it', async () => {
    const t = await startTestApp({ STORAGE_ROOT: '/nonexistent-d011dl-nas/models' });
    try {
      const res = await t.app.inject({ url: '/healthz' });
      assert.equal(res.statusCode, 503);
      assert.equal(res.json().checks.database.ok, true);
      assert.match(res.json().checks.storage.error, /\/nonexistent-d011dl-nas\/models does not exist/);
    } finally {
      await t.close();
    }
  });

  it('is 503 naming the database when it is unreachable', async () => {
    const t = await startTestApp();
    const db = t.config.pg!.database!;
    try {
      await adminQuery(`ALTER DATABASE ${db} ALLOW_CONNECTIONS false`);
      await adminQuery('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [db]);
      const res = await t.app.inject({ url: '/healthz' });
      assert.equal(res.statusCode, 503);
      assert.equal(res.json().status, 'down');
      assert.match(res.json().checks.database.error, /database unreachable/);
      assert.equal(res.json().checks.storage.ok, true);
    } finally {
      await adminQuery(`ALTER DATABASE ${db} ALLOW_CONNECTIONS true`);
      await t.close();
    }
  });
});

describe('catalog', () => {
  let t: TestApp;
  let token: string;
  let ids: Record<string, string>;
  before(async () => {
    t = await startTestApp();
    token = (await registerAndLogin(t.app)).token;
    const q = (sql: string, params: unknown[]) => adminQuery(sql, params, t.config.pg!.database!);
    const add = async (author: string, repo: string, revision: string, done: boolean) =>
      (
        await q(
          `INSERT INTO models (author, repo, revision, is_downloaded, file_count, total_size_bytes, commit_sha)
                VALUES ($1, $2, $3, $4, 2, 300, $5) RETURNING id`,
          [author, repo, revision, done, 'a'.repeat(40)],
        )
      ).rows[0].id as string;
    ids = {
      main: await add('acme', 'tiny-model', 'main', true),
      pr: await add('acme', 'tiny-model', 'refs/pr/1', false),
      other: await add('TheBloke', 'Demo-GGUF', 'main', false),
    };
    await q(`INSERT INTO model_files (model_id, path, size_bytes, status) VALUES ($1, 'b.bin', 200, 'done'), ($1, 'a.json', 100, 'done')`, [ids.main]);
    await q(`INSERT INTO model_files (model_id, path, size_bytes, status, error) VALUES ($1, 'x.bin', 5, 'failed', 'boom')`, [ids.pr]);
  });
  after(() => t.close());
  const get = (url: string) => t.app.inject({ url, headers: bearer(token) });

  it('lists models with their storage path and file counts', async () => {
    const res = await get('/db/models');
    assert.equal(res.statusCode, 200);
    const models = res.json();
    assert.deepEqual(
      models.map((m: { repo: string; revision: string }) => `${m.repo}@${m.revision}`),
      ['tiny-model@main', 'tiny-model@refs/pr/1', 'Demo-GGUF@main'],
    );
    const pr = models.find((m: { revision: string }) => m.revision === 'refs/pr/1');
    assert.equal(pr.local_path, path.join(t.config.storageRoot, 'acme', 'tiny-model', 'refs%2Fpr%2F1'));
    assert.equal(pr.files_failed, 1);
    const main = models.find((m: { id: string }) => m.id === ids.main);
    assert.equal(main.files_done, 2);
    assert.equal(main.total_size_bytes, 300);
  });

  it('filters by author, repo, revision and downloaded', async () => {
    const names = async (qs: string) =>
      (await get(`/db/models?${qs}`))
        .json()
        .map((m: { id: string }) => m.id)
        .sort();
    assert.deepEqual(await names('author=ACME'), [ids.main, ids.pr].sort());
    assert.deepEqual(await names('repo=demo-gguf'), [ids.other]);
    assert.deepEqual(await names('author=acme&revision=refs/pr/1'), [ids.pr]);
    assert.deepEqual(await names('downloaded=true'), [ids.main]);
    assert.deepEqual(await names('downloaded=false'), [ids.pr, ids.other].sort());
    assert.equal((await get('/db/models?downloaded=maybe')).statusCode, 400);
  });

  it("lists a model's files; unknown ids are 404, malformed ones 400", async () => {
    const res = await get(`/db/models/${ids.main}/files`);
    assert.equal(res.statusCode, 200);
    assert.deepEqual(
      res.json().files.map((f: { path: string }) => f.path),
      ['a.json', 'b.bin'],
    );
    assert.equal((await get('/db/models/00000000-0000-4000-8000-000000000000/files')).statusCode, 404);
    const bad = await get('/db/models/not-a-uuid/files');
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().message, 'ID must be a UUID');
    assert.deepEqual(bad.json().details, [{ path: 'params.id', message: 'must be a UUID' }]);
  });
});
