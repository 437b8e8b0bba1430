// Contract test: the app's own API client module (src/api/client.ts, the code the screens use) run in
// Node against the real API + real PostgreSQL + the hub simulator. Run from the repo root with
//   node scripts/test.ts android/contract-test/client.contract.test.ts
// (scripts/test.ts starts the throwaway PostgreSQL this needs.)
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startStack, type Stack } from '../../web/test/helpers/stack.ts';
import { ApiClient, listDownloads, modelFiles, repoInfo, rescanModel } from '../src/api/client.ts';
import { KEYS, memoryStore } from '../src/api/keys.ts';
import { changePassword, hfTokenStatus, removeHfToken, setHfToken } from '../src/api/account.ts';
import { storageRoots } from '../src/api/library.ts';
import { checkUpdate, modelChanges, pinModel, quants } from '../src/api/updates.ts';

describe('android API client against the real API', () => {
  let s: Stack;
  let fast: string; // a second storage root, beside the default one
  before(async () => {
    fast = path.join(await mkdtemp(path.join(os.tmpdir(), 'd011dl-android-root-')), 'fast');
    await mkdir(fast);
    s = await startStack({ STORAGE_ROOTS: `fast=${fast}`, ALLOW_REG: 'true' }); // one account per test
  });
  after(async () => {
    await s?.close();
    if (fast) await rm(path.dirname(fast), { recursive: true, force: true });
  });

  it('login, parse, refs, tree pages, start a download, poll to succeeded, jobs, files, rescan, models', async () => {
    const password = 'correct horse battery';
    const reg = await fetch(`${s.apiUrl}/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'droid', password }) });
    assert.equal(reg.status, 201, await reg.text());

    const store = memoryStore();
    let lost = 0;
    const client = new ApiClient({ store, onAuthLost: () => lost++ });
    await client.setBaseUrl(s.apiUrl);
    const login = await client.login('droid', password);
    assert.equal(login.user.username, 'droid');
    assert.ok(store.data.get(KEYS.token));

    const parsed = await client.parseUrl(`https://huggingface.co/acme/tiny-model/tree/dev`);
    assert.deepEqual({ author: parsed.author, repo: parsed.repo, revision: parsed.revision }, { author: 'acme', repo: 'tiny-model', revision: 'dev' });

    // the job screen's bandwidth line: nothing limits downloads on this stack
    assert.deepEqual(await client.bandwidth(), { limit_bps: 0, until: null, until_time: null, next_limit_bps: null, source: 'setting' });

    const refs = await client.refs('acme', 'tiny-model');
    assert.ok(refs.branches.includes('main'));

    // the repo page's gate, parsed with the contract schema (a wrong shape would throw BadResponse)
    const gate = await repoInfo(client, 'acme', 'gated-model');
    assert.equal(gate.gated, 'manual');
    assert.match(gate.request_url ?? '', /acme\/gated-model/);
    assert.equal((await repoInfo(client, 'acme', 'tiny-model')).gated, false);

    const files = [];
    let cursor: string | undefined;
    do {
      const page = await client.tree({ author: 'acme', repo: 'tiny-model', revision: 'main', cursor });
      files.push(...page.files);
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    const file = files.find((f) => f.type === 'file');
    assert.ok(file, 'the repo has files');

    const started = await client.createDownload({ author: 'acme', repo: 'tiny-model', revision: 'main', selection: [{ path: file.path, type: 'file' }] });
    assert.equal(started.status, 'queued');

    const deadline = Date.now() + 60_000;
    let job = await client.download(started.download_id);
    while (job.status !== 'succeeded' && job.status !== 'failed' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      job = await client.download(started.download_id);
    }
    assert.equal(job.status, 'succeeded', job.error ?? job.log);
    const perFile = await client.downloadFiles(started.download_id);
    assert.ok(perFile.files.every((f) => f.status === 'done'));

    // the jobs list, the revision's file list and a rescan (the Jobs and My models screens)
    assert.ok((await listDownloads(client)).some((d) => d.id === started.download_id));
    assert.deepEqual((await modelFiles(client, job.model_id)).map((f) => [f.path, f.status]), [[file.path, 'done']]);
    assert.deepEqual(await rescanModel(client, job.model_id), { files_checked: 1, present: 1, missing: 0, mismatched: 0 });

    const models = await client.models();
    assert.ok(models.some((m) => m.author === 'acme' && m.repo === 'tiny-model'));

    // issue 15: the quant table, an update check after the branch moved, its changes, pinning
    const table = await quants(client, 'acme', 'split-gguf', 'main');
    assert.deepEqual(table.groups.map((g) => g.label).sort(), ['IQ3_XXS', 'Q4_K_M', 'Q8_0', 'mmproj F16']);
    s.sim.advanceBranch('acme/tiny-model', 'main', { files: { [file.path]: 'moved on\n' } });
    const check = await checkUpdate(client, job.model_id);
    assert.equal(check.update_available, true);
    assert.deepEqual(check.changes?.files.map((f) => [f.path, f.change, f.tracked]), [[file.path, 'changed', true]]);
    assert.deepEqual(await modelChanges(client, job.model_id), check.changes);
    assert.equal((await pinModel(client, job.model_id, true)).update_available, false);

    // a bad token: one refresh, then the request goes through again
    (client as unknown as { token: string }).token = 'garbage';
    await client.models();
    assert.equal(lost, 0);
  });

  it('GET /storage (the Disk usage screen and the root choices) and a download to a chosen root', async () => {
    const password = 'correct horse battery';
    const reg = await fetch(`${s.apiUrl}/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'droid2', password }) });
    assert.equal(reg.status, 201, await reg.text());
    const client = new ApiClient({ store: memoryStore() });
    await client.setBaseUrl(s.apiUrl);
    await client.login('droid2', password);

    // parsed with the contract schema: a wrong shape would throw BadResponse
    const roots = await storageRoots(client);
    assert.deepEqual(
      roots.map((r) => [r.name, r.is_default, r.ok]),
      [
        ['default', true, true],
        ['fast', false, true],
      ],
    );
    assert.ok(roots.every((r) => r.total_bytes! > 0 && r.free_bytes! > 0));

    const started = await client.createDownload({ author: 'acme', repo: 'tiny-model', revision: 'main', selection: [{ path: 'config.json', type: 'file' }], storage: 'fast' });
    const deadline = Date.now() + 60_000;
    let job = await client.download(started.download_id);
    while (job.status !== 'succeeded' && job.status !== 'failed' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      job = await client.download(started.download_id);
    }
    assert.equal(job.status, 'succeeded', job.error ?? job.log);
    assert.deepEqual([job.kind, job.storage], ['download', 'fast']);
    const onFast = (await client.models({ storage: 'fast' }))[0];
    assert.ok(onFast?.local_path.startsWith(fast), `on the fast root: ${onFast?.local_path}`);

    const after = (await storageRoots(client)).find((r) => r.name === 'fast')!;
    assert.equal(after.models, 1);
    assert.equal(after.used_bytes, onFast!.bytes_on_disk);
    assert.deepEqual(after.largest.map((m) => m.id), [onFast!.id]);
  });
  it('account: a Hugging Face token (its Hub account, never the token) and a password change', async () => {
    const password = 'correct horse battery';
    const reg = await fetch(`${s.apiUrl}/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'acct', password }) });
    assert.equal(reg.status, 201, await reg.text());
    const client = new ApiClient({ store: memoryStore() });
    await client.setBaseUrl(s.apiUrl);
    await client.login('acct', password);
    assert.deepEqual(await hfTokenStatus(client), { set: false, hub_user: null, set_at: null, problem: null });
    await assert.rejects(setHfToken(client, 'hf_not_a_real_token'), (e: Error & { code?: string }) => e.code === 'HfTokenInvalid' && /does not accept this token/.test(e.message));
    const saved = await setHfToken(client, ' hf_alice_token ');
    assert.equal(saved.hub_user, 'alice');
    assert.equal((await repoInfo(client, 'acme', 'gated-model')).access, 'granted', "the gate is checked with this user's token");
    assert.equal((await hfTokenStatus(client)).hub_user, 'alice');
    await removeHfToken(client);
    assert.equal((await hfTokenStatus(client)).set, false);
    await assert.rejects(changePassword(client, 'wrong password', 'another good one'), (e: Error & { code?: string }) => e.code === 'WrongPassword');
    assert.equal((await changePassword(client, password, 'another good one')).changed, true);
    assert.equal((await client.me()).username, 'acct', 'this session stays signed in');
  });
});
