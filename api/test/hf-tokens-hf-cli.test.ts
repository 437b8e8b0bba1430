// DOWNLOAD_ENGINE=hf with a user's own Hugging Face token (issue 17): the official `hf download` gets the
// token of the user who started the job through its environment, not the server's (here: none).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startHubSim } from '@d011dl/hubsim';
import { bearer, registerAndLogin, startTestApp } from './helpers/app.ts';
import { assertFilesExact, waitForStatus } from './helpers/downloads.ts';
import { hfCliSkip } from './helpers/hf-cli.ts';

describe('DOWNLOAD_ENGINE=hf with a per-user token', () => {
  it("fetches a gated repo with alice's approved token while the server has none", {
    skip: hfCliSkip,
  }, async () => {
    const sim = await startHubSim();
    const t = await startTestApp({ HF_ENDPOINT: sim.url, DOWNLOAD_ENGINE: 'hf' });
    try {
      const token = (await registerAndLogin(t.app)).token;
      const put = await t.app.inject({ method: 'PUT', url: '/me/hf-token', headers: bearer(token), payload: { token: 'hf_alice_token' } });
      assert.equal(put.statusCode, 200, put.body);
      const res = await t.app.inject({ method: 'POST', url: '/downloads', headers: bearer(token), payload: { author: 'acme', repo: 'gated-model' } });
      assert.equal(res.statusCode, 202, res.body);
      const d = await waitForStatus(t.app, token, res.json().download_id, ['succeeded', 'failed'], 120_000);
      assert.equal(d.status, 'succeeded', d.log);
      assert.match(d.log, /using alice's Hugging Face token/);
      assert.match(d.log, /hf download: \d+ files/, 'fetched by the hf CLI');
      assert.doesNotMatch(d.log, /hf_alice_token/);
      await assertFilesExact(sim, t.config.storageRoot, 'acme/gated-model', 'main', 'main');
      // the files came through the Hub with alice's token, never without one
      const resolves = sim.stats.requests.filter((r) => r.path.includes('/gated-model/resolve/'));
      assert.ok(resolves.length > 0);
    } finally {
      await t.close();
      await sim.close();
    }
  });
});
