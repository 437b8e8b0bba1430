// A file the Hub's download bridge refuses for its size (400 from the CDN host) is not retried for a day:
// the job says why, and hands the file to `hf download` with Xet where hf_xet is installed. The simulator
// speaks no Xet, so there hf fails too: what is tested is the hand-over and the words the user reads.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { startHubSim, type CatalogConfig, type HubSim } from '@d011dl/hubsim';
import { bearer, registerAndLogin, startTestApp, type TestApp } from './helpers/app.ts';
import { waitForStatus } from './helpers/downloads.ts';

const MiB = 1024 * 1024;
const catalog: CatalogConfig = {
  tokens: {},
  repos: [
    {
      id: 'acme/huge',
      commits: [
        {
          id: 'c1',
          files: { '.gitattributes': '*.bin filter=lfs diff=lfs merge=lfs -text\n', 'README.md': '# huge\n', 'huge.bin': { lfs: { size: 6 * MiB } } },
        },
      ],
      refs: { branches: { main: 'c1' } },
    },
  ],
};
const hfXet = /^- hf_xet: (?!N\/A)/m.test(spawnSync('hf', ['env'], { encoding: 'utf8' }).stdout ?? '');

describe('files the download bridge refuses for their size', () => {
  let sim: HubSim;
  before(async () => {
    sim = await startHubSim({ catalog, live: { bridgeMaxSize: 4 * MiB } });
  });
  after(() => sim.close());

  async function runJob(env: Record<string, string>) {
    const t: TestApp = await startTestApp({ HF_ENDPOINT: sim.url, LOG_LEVEL: 'silent', ...env });
    try {
      const { token } = await registerAndLogin(t.app);
      const res = await t.app.inject({
        method: 'POST',
        url: '/downloads',
        headers: bearer(token),
        payload: { author: 'acme', repo: 'huge', revision: 'main' },
      });
      assert.equal(res.statusCode, 202, res.body);
      const id = res.json().download_id;
      const d = await waitForStatus(t.app, token, id, ['succeeded', 'failed'], 120_000);
      const files = (await t.app.inject({ url: `/downloads/${id}/files`, headers: bearer(token) })).json().files as Array<{
        path: string;
        status: string;
        error: string | null;
      }>;
      return { d, files: new Map(files.map((f) => [f.path, f])) };
    } finally {
      await t.close();
    }
  }

  it('fails the file at once with the cause and what to install when hf_xet is not there', { timeout: 150_000 }, async () => {
    const { d, files } = await runJob({ HF_CLI: '/nonexistent/hf' });
    assert.equal(d.status, 'failed');
    assert.equal(files.get('README.md')!.status, 'done');
    const huge = files.get('huge.bin')!;
    assert.equal(huge.status, 'failed');
    assert.match(huge.error!, /refused to serve the file \(400\)/);
    assert.match(huge.error!, /hf_xet is installed \(pip install huggingface_hub\)/);
    assert.doesNotMatch(d.log, /^\S+ retry /m, 'a refusal is not retried');
  });

  it('hands the file to hf download with Xet when hf_xet is installed', {
    timeout: 150_000,
    skip: !hfXet && process.env.REQUIRE_HF_CLI !== '1' ? 'hf with hf_xet not installed' : false,
  }, async () => {
    const { d, files } = await runJob({});
    assert.match(d.log, /hf download \(Xet\): 1 files, because .*refused to serve the file \(400\)/);
    const huge = files.get('huge.bin')!;
    // the simulator has no Xet storage: hf meets the same refusal, and the message says both
    assert.equal(huge.status, 'failed');
    assert.match(huge.error!, /refused to serve the file \(400\).*hf download \(Xet\) did not fetch it either/);
    assert.equal(files.get('README.md')!.status, 'done');
  });
});
