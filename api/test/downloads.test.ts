import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startHubSim, type HubSim } from '@d011dl/hubsim';
import { bearer, registerAndLogin, startTestApp, type TestApp } from './helpers/app.ts';
import { assertFilesExact, waitForStatus } from './helpers/downloads.ts';
import { partialPath } from '../src/engine/sidecar.ts';
import { adminQuery } from './helpers/db.ts';

describe('downloads', () => {
  let sim: HubSim;
  let t: TestApp;
  let token: string;
  before(async () => {
    sim = await startHubSim();
    // the same content is fetched again and again here on purpose: de-duplication would link it instead
    t = await startTestApp({ HF_ENDPOINT: sim.url, HF_TOKEN: 'hf_bob_token', STALL_TIMEOUT_S: '2', DOWNLOAD_RETRIES: '4', DEDUP: 'off' });
    token = (await registerAndLogin(t.app)).token;
  });
  after(async () => {
    await t.close();
    await sim.close();
  });
  const post = (url: string, payload: object) => t.app.inject({ method: 'POST', url, payload, headers: bearer(token) });
  const get = (url: string) => t.app.inject({ url, headers: bearer(token) });
  const start = async (payload: object) => {
    const res = await post('/downloads', payload);
    assert.equal(res.statusCode, 202, res.body);
    return res.json().download_id as string;
  };
  const root = () => t.config.storageRoot;

  it('downloads a whole repo byte-exact into <root>/<Author>/<Repo>/<Revision>', async () => {
    const id = await start({ author: 'acme', repo: 'tiny-model', revision: 'main' });
    const d = await waitForStatus(t.app, token, id, ['succeeded', 'failed']);
    assert.equal(d.status, 'succeeded', JSON.stringify(d));
    assert.equal(d.progress_pct, 100);
    assert.equal(d.bytes_done, d.bytes_total);
    assert.equal(d.commit_sha, sim.commitSha('acme/tiny-model', 'main'));
    assert.equal(d.local_path, path.join(root(), 'acme', 'tiny-model', 'main'));
    const n = await assertFilesExact(sim, root(), 'acme/tiny-model', 'main', 'main');
    assert.equal(d.files_done, n);
    const leftovers = (await readdir(d.local_path, { recursive: true })).filter((f) => String(f).includes('partial'));
    assert.deepEqual(leftovers, [], 'no partial files left');
    const models = (await get('/db/models?author=acme&repo=tiny-model&revision=main')).json();
    assert.equal(models[0].is_downloaded, true);
    assert.equal(models[0].file_count, n);
    assert.equal(models[0].commit_sha, d.commit_sha);
    const log = await readFile(path.join(t.config.downloads.logDir, `${id}.log`), 'utf8');
    assert.match(log, /succeeded/);
    assert.match(d.log, /succeeded/);
  });

  it('a re-run of a finished selection is 409 AlreadyDownloaded; force re-checks without fetching good files', async () => {
    const again = await post('/downloads', { author: 'acme', repo: 'tiny-model', revision: 'main' });
    assert.equal(again.statusCode, 409);
    assert.equal(again.json().error, 'AlreadyDownloaded');
    sim.stats.reset();
    const id = await start({ author: 'acme', repo: 'tiny-model', revision: 'main', force: true });
    assert.equal((await waitForStatus(t.app, token, id, ['succeeded', 'failed'])).status, 'succeeded');
    const bodies = sim.stats.requests.filter((r) => r.method === 'GET' && (r.server === 'cdn' || r.path.includes('/resolve')));
    assert.deepEqual(
      bodies.map((r) => r.path),
      [],
      'no file was fetched again',
    );
  });

  it('downloads a folder at a branch, a single file, a tag, and refs/pr/1 (stored as one folder)', async () => {
    const folder = await start({ author: 'acme', repo: 'tiny-model', revision: 'dev', selection: [{ path: 'nested', type: 'dir' }] });
    const file = await start({ author: 'acme', repo: 'tiny-model', revision: 'v1.0', selection: [{ path: 'config.json', type: 'file' }] });
    const pr = await start({
      author: 'acme',
      repo: 'tiny-model',
      revision: 'refs/pr/1',
      selection: [
        { path: 'pr-file.txt', type: 'file' },
        { path: 'README.md', type: 'file' },
      ],
    });
    for (const id of [folder, file, pr]) assert.equal((await waitForStatus(t.app, token, id, ['succeeded', 'failed'])).status, 'succeeded');
    await assertFilesExact(sim, root(), 'acme/tiny-model', 'dev', 'dev', (p) => p.startsWith('nested/'));
    assert.ok(!existsSync(path.join(root(), 'acme/tiny-model/dev/config.json')), 'only the folder');
    await assertFilesExact(sim, root(), 'acme/tiny-model', 'v1.0', 'v1.0', (p) => p === 'config.json');
    await assertFilesExact(sim, root(), 'acme/tiny-model', 'refs/pr/1', 'refs%2Fpr%2F1', (p) => p === 'pr-file.txt' || p === 'README.md');
    assert.ok(!existsSync(path.join(root(), 'acme/tiny-model/refs')), 'never nested folders for refs/pr/N');
    const files = (await get(`/downloads/${pr}/files`)).json().files;
    assert.deepEqual(
      files.map((f: { path: string; status: string }) => `${f.path}:${f.status}`),
      ['README.md:done', 'pr-file.txt:done'],
    );
  });

  it('refuses traversal and unknown paths with a 400, writing nothing', async () => {
    const before = await readdir(root(), { recursive: true });
    const bad: Array<[object, RegExp]> = [
      [{ selection: [{ path: '../escape.txt', type: 'file' }] }, /"\." or "\.\."/],
      [{ selection: [{ path: 'nested/../../x', type: 'file' }] }, /"\." or "\.\."/],
      [{ selection: [{ path: '/etc/passwd', type: 'file' }] }, /relative/],
      [{ selection: [{ path: 'a\\b', type: 'file' }] }, /backslash/],
      [{ selection: [{ path: 'a\u0000b', type: 'file' }] }, /NUL/],
      [{ selection: [{ path: 'C:/x', type: 'file' }] }, /drive letter/],
      [{ selection: [{ path: 'no-such-file.bin', type: 'file' }] }, /Not in the repo.*no-such-file\.bin/],
      [{ selection: [{ path: 'config.json', type: 'dir' }] }, /Not in the repo.*config\.json\//],
      [{ author: '..' }, /^Author /],
      [{ repo: 'a--b' }, /^Repo /],
      [{ revision: '../main' }, /^Revision /],
    ];
    for (const [patch, message] of bad) {
      const res = await post('/downloads', { author: 'acme', repo: 'tiny-model', revision: 'main', ...patch });
      assert.equal(res.statusCode, 400, `${JSON.stringify(patch)}: ${res.body}`);
      assert.match(res.json().message, message);
    }
    assert.deepEqual(await readdir(root(), { recursive: true }), before, 'nothing written');
  });

  it('says a gated repo needs access (403) and a missing repo 404, before queueing anything', async () => {
    const gated = await post('/downloads', { author: 'acme', repo: 'gated-model', revision: 'main' });
    assert.equal(gated.statusCode, 403);
    assert.equal(gated.json().error, 'GatedRepo');
    assert.match(gated.json().message, /gated.*request access/);
    const missing = await post('/downloads', { author: 'acme', repo: 'nope', revision: 'main' });
    assert.equal(missing.statusCode, 404);
    const rev = await post('/downloads', { author: 'acme', repo: 'tiny-model', revision: 'nope' });
    assert.equal(rev.statusCode, 404);
    assert.equal(rev.json().error, 'RevisionNotFound');
  });

  it('refuses clearly when the storage has not enough free space', async () => {
    const small = await startTestApp({ HF_ENDPOINT: sim.url, DISK_RESERVE_MB: String(1024 * 1024 * 1024) });
    try {
      const tok = (await registerAndLogin(small.app)).token;
      const res = await small.app.inject({ method: 'POST', url: '/downloads', headers: bearer(tok), payload: { author: 'TheBloke', repo: 'Demo-GGUF' } });
      assert.equal(res.statusCode, 507);
      assert.match(res.json().message, /Not enough free space: .* needed, .* free/);
      assert.match(res.json().message, /free of which 1.13 PB is kept in reserve \(DISK_RESERVE_MB\)/);
    } finally {
      await small.close();
    }
  });

  it('says so when the storage folder is missing (NAS not mounted) instead of failing obscurely', async () => {
    const unmounted = await startTestApp({ HF_ENDPOINT: sim.url, STORAGE_ROOT: '/nonexistent-d011dl-nas/models' });
    try {
      const tok = (await registerAndLogin(unmounted.app)).token;
      const res = await unmounted.app.inject({ method: 'POST', url: '/downloads', headers: bearer(tok), payload: { author: 'acme', repo: 'tiny-model' } });
      assert.equal(res.statusCode, 503);
      assert.match(res.json().message, /\/nonexistent-d011dl-nas\/models does not exist \(is the storage mounted\?\)/);
      assert.ok(!existsSync('/nonexistent-d011dl-nas'), 'not created');
    } finally {
      await unmounted.close();
    }
  });

  it('survives resets, truncated bodies, 5xx bursts and 429s with byte-exact files', async () => {
    sim.faults.set({
      rules: [
        { kind: 'reset', match: 'demo.Q4_K_M.gguf', count: 2 },
        { kind: 'truncate', match: 'demo.Q5_K_M.gguf', count: 1 },
        { kind: 'status', status: 503, match: 'demo.Q8_0.gguf', count: 2 },
        { kind: 'status', status: 429, retryAfter: 1, match: 'README.md', count: 1 },
      ],
    });
    const id = await start({ author: 'TheBloke', repo: 'Demo-GGUF', revision: 'main' });
    const d = await waitForStatus(t.app, token, id, ['succeeded', 'failed']);
    sim.faults.reset();
    assert.equal(d.status, 'succeeded', d.log);
    await assertFilesExact(sim, root(), 'TheBloke/Demo-GGUF', 'main', 'main');
  });

  it('fails a file whose content no longer matches its hash, leaving no file at the final path; retry fetches it', async () => {
    // the job pinned the listed hashes when it was queued; the Hub then serves other bytes (held
    // back by 503s until the change is in place, so the job cannot fetch the old bytes first)
    sim.faults.set({ rules: [{ kind: 'status', status: 503, match: 'demo.Q4_K_M.gguf', count: 1000 }] });
    const id = await start({ author: 'TheBloke', repo: 'Demo-GGUF', revision: 'q4-only' });
    sim.mutateFile('TheBloke/Demo-GGUF', 'demo.Q4_K_M.gguf', 'tampered', 'q4-only');
    sim.faults.reset();
    const d = await waitForStatus(t.app, token, id, ['succeeded', 'failed']);
    assert.equal(d.status, 'failed');
    assert.match(d.error, /1 of \d+ files failed/);
    const files = (await get(`/downloads/${id}/files`)).json().files;
    const bad = files.find((f: { path: string }) => f.path === 'demo.Q4_K_M.gguf');
    assert.equal(bad.status, 'failed');
    assert.match(bad.error, /does not match .*sha256 expected/);
    assert.ok(!existsSync(path.join(root(), 'TheBloke/Demo-GGUF/q4-only/demo.Q4_K_M.gguf')), 'no corrupt file at the final path');
    assert.equal(files.filter((f: { status: string }) => f.status === 'done').length, files.length - 1, 'the other files are intact');
    const retried = await post(`/downloads/${id}/retry`, {});
    assert.equal(retried.statusCode, 200);
    assert.equal(retried.json().status, 'queued');
    assert.equal((await waitForStatus(t.app, token, id, ['succeeded', 'failed'])).status, 'failed', 'still the wrong bytes at the Hub: fails again, cleanly');
  });

  it('cancels a running download, keeps its partial file, and a retry resumes it', async () => {
    sim.faults.set({ bandwidthPerConn: 512 * 1024 });
    const id = await start({ author: 'acme', repo: 'tiny-model', revision: 'feature/x', selection: [{ path: 'model.safetensors', type: 'file' }] });
    // cancel once a good share is on disk: a fixed sleep made the margin below depend on the machine's speed
    const size = (await sim.expectedFiles('acme/tiny-model', 'feature/x')).find((f) => f.path === 'model.safetensors')!.size;
    const deadline = Date.now() + 30_000;
    let doneAtCancel = 0;
    while (Date.now() < deadline) {
      doneAtCancel = (await get(`/downloads/${id}`)).json().bytes_done;
      if (doneAtCancel >= size * 0.4) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(doneAtCancel >= size * 0.4, `the download made progress before the cancel (${doneAtCancel} of ${size} bytes)`);
    const canceled = await post(`/downloads/${id}/cancel`, {});
    assert.equal(canceled.statusCode, 200);
    assert.equal(canceled.json().status, 'canceled');
    // the runner stops on its own time and then logs it: wait for that line, not for a fixed while
    let d = (await get(`/downloads/${id}`)).json();
    for (let i = 0; i < 100 && !/canceled/.test(d.log ?? ''); i++) {
      await new Promise((r) => setTimeout(r, 100));
      d = (await get(`/downloads/${id}`)).json();
    }
    assert.equal(d.status, 'canceled');
    assert.match(d.log, /canceled/);
    const final = path.join(root(), 'acme/tiny-model/feature%2Fx/model.safetensors');
    assert.ok(existsSync(partialPath(final)), 'the partial file is kept for a resume');
    assert.ok(!existsSync(final), 'nothing at the final path');
    sim.faults.reset();
    sim.stats.reset();
    assert.equal((await post(`/downloads/${id}/retry`, {})).statusCode, 200);
    assert.equal((await waitForStatus(t.app, token, id, ['succeeded', 'failed'])).status, 'succeeded');
    await assertFilesExact(sim, root(), 'acme/tiny-model', 'feature/x', 'feature%2Fx', (p) => p === 'model.safetensors');
    // everything reported done before the cancel was kept: only the rest is fetched again
    assert.ok(
      sim.stats.bytesServed() <= size - doneAtCancel,
      `the retry resumed (${sim.stats.bytesServed()} of ${size} bytes fetched again, ${doneAtCancel} were done at the cancel)`,
    );
    assert.equal((await post(`/downloads/${id}/cancel`, {})).statusCode, 409, 'a finished download cannot be canceled');
  });

  it('streams progress as Server-Sent Events, ending with the final state', async () => {
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    sim.faults.set({ bandwidthPerConn: 2 * 1024 * 1024 });
    const id = await start({ author: 'acme', repo: 'tiny-model', revision: 'dev', selection: [{ path: 'model.safetensors', type: 'file' }] });
    const events: Array<{ event: string; id: string; data: any }> = await new Promise((resolve, reject) => {
      const out: Array<{ event: string; id: string; data: any }> = [];
      http
        .get(`${address}/downloads/${id}/stream`, { headers: bearer(token) }, (res) => {
          assert.equal(res.headers['content-type'], 'text/event-stream; charset=utf-8');
          let buf = '';
          res.on('data', (c) => {
            buf += c;
            let i: number;
            while ((i = buf.indexOf('\n\n')) >= 0) {
              const block = buf.slice(0, i);
              buf = buf.slice(i + 2);
              const fields = Object.fromEntries(
                block
                  .split('\n')
                  .filter((l) => l && !l.startsWith(':'))
                  .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]),
              );
              if (fields.data) out.push({ event: String(fields.event), id: String(fields.id), data: JSON.parse(fields.data) });
            }
          });
          res.on('end', () => resolve(out));
        })
        .on('error', reject);
    });
    sim.faults.reset();
    assert.ok(events.length >= 2, `several events: ${events.length}`);
    assert.equal(events.at(-1)!.event, 'end');
    assert.equal(events.at(-1)!.data.status, 'succeeded');
    assert.ok(events.slice(0, -1).every((e) => e.event === 'progress'));
    assert.deepEqual(
      events.map((e) => Number(e.id)),
      events.map((_, i) => i + 1),
      'increasing event ids',
    );
    // a client reconnecting with Last-Event-ID gets the current state at once
    const again = await fetch(`${address}/downloads/${id}/stream`, { headers: { ...bearer(token), 'last-event-id': '7' } });
    const text = await again.text();
    assert.match(text, /id: 8\nevent: end\ndata: \{.*"status":"succeeded"/);
  });

  it('streams the list of my downloads: one event now, and one on every change', async () => {
    // listening since the previous test
    const address = `http://127.0.0.1:${(t.app.server.address() as import('node:net').AddressInfo).port}`;
    const ctl = new AbortController();
    const res = await fetch(`${address}/downloads/events`, { headers: bearer(token), signal: ctl.signal });
    assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buf = '';
    const next = async (): Promise<{ event: string; data: { downloads: Array<{ id: string; status: string }> } }> => {
      for (;;) {
        const i = buf.indexOf('\n\n');
        if (i >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const lines = block.split('\n');
          const data = lines.find((l) => l.startsWith('data: '));
          if (data) return { event: lines.find((l) => l.startsWith('event: '))!.slice(7), data: JSON.parse(data.slice(6)) };
          continue;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error('the stream ended');
        buf += decoder.decode(value, { stream: true });
      }
    };
    try {
      const first = await next();
      assert.equal(first.event, 'downloads');
      const before = new Set(first.data.downloads.map((d) => d.id));
      sim.faults.set({ bandwidthPerConn: 1024 * 1024 });
      const id = await start({ author: 'acme', repo: 'tiny-model', revision: 'v1.0', selection: [{ path: 'model.safetensors', type: 'file' }], force: true });
      // the new job appears in a later event, then the same stream reports it finished
      let seen = await next();
      while (!seen.data.downloads.some((d) => d.id === id)) seen = await next();
      assert.ok(!before.has(id));
      assert.equal(seen.data.downloads[0]!.id, id, 'newest first');
      sim.faults.reset();
      while (seen.data.downloads.find((d) => d.id === id)!.status !== 'succeeded') seen = await next();
    } finally {
      sim.faults.reset();
      ctl.abort();
      await reader.cancel().catch(() => {});
    }
  });

  it('rescan and mark-missing reconcile the catalog with the disk', async () => {
    const model = (await get('/db/models?author=acme&repo=tiny-model&revision=main')).json()[0];
    await rm(path.join(root(), 'acme/tiny-model/main/config.json'));
    const marked = await post('/db/mark-missing', { model_id: model.id });
    assert.equal(marked.statusCode, 200);
    assert.equal(marked.json().marked_failed, 1);
    const after = (await get(`/db/models?author=acme&repo=tiny-model&revision=main`)).json()[0];
    assert.equal(after.is_downloaded, false);
    const scan = await post('/db/rescan', { model_id: model.id, hashes: true });
    assert.equal(scan.statusCode, 200);
    assert.equal(scan.json().missing, 1);
    assert.equal(scan.json().mismatched, 0);
    assert.equal(scan.json().present, scan.json().files_checked - 1);
    assert.equal((await post('/db/rescan', { model_id: '00000000-0000-4000-8000-000000000000' })).statusCode, 404);
  });

  it('shows each user only their own downloads; admins see all', async () => {
    const mine = (await get('/downloads')).json().downloads;
    assert.ok(mine.length > 0);
    const other = await t.app.inject({
      method: 'POST',
      url: '/admin/users',
      headers: bearer(token),
      payload: { username: 'other', password: 'other-password' },
    });
    assert.equal(other.statusCode, 201);
    const otherToken = (await t.app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'other', password: 'other-password' } })).json().token;
    assert.deepEqual((await t.app.inject({ url: '/downloads', headers: bearer(otherToken) })).json().downloads, []);
    assert.equal((await t.app.inject({ url: `/downloads/${mine[0].id}`, headers: bearer(otherToken) })).statusCode, 404);
    assert.equal((await get('/downloads?all=true')).json().downloads.length, mine.length);
  });

  // last: it leaves tiny-model's files failed
  it('a job whose database refuses a write fails with that error, never "succeeded" with files missing', async () => {
    const dbName = t.config.pg!.database!;
    // a real refusal by PostgreSQL when the job records a finished file (a bug or a broken database would do the same)
    await adminQuery(
      `CREATE FUNCTION refuse_done() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN IF NEW.status = 'done' THEN RAISE EXCEPTION 'refused for the test'; END IF; RETURN NEW; END $$;
       CREATE TRIGGER refuse_done BEFORE UPDATE ON model_files FOR EACH ROW EXECUTE FUNCTION refuse_done();`,
      [],
      dbName,
    );
    try {
      const id = await start({ author: 'acme', repo: 'tiny-model', revision: 'main', force: true });
      const d = await waitForStatus(t.app, token, id, ['succeeded', 'failed']);
      assert.equal(d.status, 'failed', JSON.stringify(d));
      assert.match(d.error ?? '', /unexpected error: .*refused for the test/);
    } finally {
      await adminQuery('DROP TRIGGER refuse_done ON model_files; DROP FUNCTION refuse_done();', [], dbName);
    }
  });
});
