// POST /hf/parse-url against the hub simulator: every way people name a model, settled against the
// repo's real refs (api/src/hub/resolve-link.ts).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { defaultCatalog, startHubSim, type HubSim, type RepoSpec } from '@d011dl/hubsim';
import { bearer, registerAndLogin, startTestApp, type TestApp } from './helpers/app.ts';

// branch names with one and two "/", next to a plain branch and a tag
const slashy: RepoSpec = {
  id: 'acme/slashy',
  commits: [
    { id: 'init', files: { 'README.md': '# slashy\n', 'config.json': '{}\n' } },
    { id: 'fx', parent: 'init', files: { 'dir/feature.txt': 'on feature/x\n' } },
    { id: 'q1', parent: 'init', files: { 'notes/q1.txt': 'release 2026 q1\n' } },
    { id: 'pr', parent: 'init', files: { 'pr.txt': 'proposed\n' } },
  ],
  refs: {
    branches: { main: 'init', 'feature/x': 'fx', 'release/2026/q1': 'q1' },
    tags: { 'v1/rc': 'q1' },
    pullRequests: { '4': 'pr' },
  },
};

describe("POST /hf/parse-url settles links against the repo's refs", () => {
  let sim: HubSim;
  let t: TestApp;
  let token: string;
  before(async () => {
    sim = await startHubSim({ catalog: { ...defaultCatalog, repos: [...defaultCatalog.repos, slashy] } });
    t = await startTestApp({ HF_ENDPOINT: sim.url, HF_TIMEOUT_MS: '5000' });
    token = (await registerAndLogin(t.app)).token;
  });
  after(async () => {
    await t.close();
    await sim.close();
  });
  const post = (url: string) => t.app.inject({ method: 'POST', url: '/hf/parse-url', headers: bearer(token), payload: { url } });
  const ok = async (url: string, expected: object) => {
    const res = await post(url);
    assert.equal(res.statusCode, 200, `${url}: ${res.body}`);
    assert.deepEqual(res.json(), expected, url);
  };
  const refused = async (url: string, status: number, code: string, message: RegExp) => {
    const res = await post(url);
    assert.equal(res.statusCode, status, `${url}: ${res.body}`);
    assert.equal(res.json().error, code, url);
    assert.match(res.json().message, message, url);
  };

  it('a bare author/repo, with or without the host and scheme', async () => {
    await ok('acme/slashy', { author: 'acme', repo: 'slashy', kind: 'repo' });
    await ok('hf.co/acme/slashy', { author: 'acme', repo: 'slashy', kind: 'repo' });
    await ok('huggingface.co/acme/slashy/tree/main', { author: 'acme', repo: 'slashy', revision: 'main', kind: 'tree' });
    await refused('acme/no-such-repo', 404, 'RepoNotFound', /acme\/no-such-repo was not found on Hugging Face/);
    await refused('acme', 400, 'InvalidUrl', /must name a repo, like author\/repo/);
  });

  it('a branch with "/" in it: the longest prefix that names a branch or tag', async () => {
    await ok('https://huggingface.co/acme/slashy/tree/feature/x', { author: 'acme', repo: 'slashy', revision: 'feature/x', kind: 'tree' });
    await ok('https://huggingface.co/acme/slashy/tree/feature/x/dir', { author: 'acme', repo: 'slashy', revision: 'feature/x', path: 'dir', kind: 'tree' });
    await ok('https://huggingface.co/acme/slashy/blob/feature/x/dir/feature.txt', {
      author: 'acme',
      repo: 'slashy',
      revision: 'feature/x',
      path: 'dir/feature.txt',
      kind: 'blob',
    });
    await ok('https://huggingface.co/acme/slashy/resolve/release/2026/q1/notes/q1.txt?download=true', {
      author: 'acme',
      repo: 'slashy',
      revision: 'release/2026/q1',
      path: 'notes/q1.txt',
      kind: 'resolve',
    });
    await ok('https://huggingface.co/acme/slashy/tree/v1/rc/notes', { author: 'acme', repo: 'slashy', revision: 'v1/rc', path: 'notes', kind: 'tree' });
    await ok('https://huggingface.co/acme/slashy/tree/feature%2Fx/dir', { author: 'acme', repo: 'slashy', revision: 'feature/x', path: 'dir', kind: 'tree' });
    await ok(`${sim.url}/acme/slashy/blob/main/config.json`, { author: 'acme', repo: 'slashy', revision: 'main', path: 'config.json', kind: 'blob' });
    // and the tree at the settled revision is the branch's
    const tree = await t.app.inject({ url: '/hf/tree?author=acme&repo=slashy&revision=feature%2Fx', headers: bearer(token) });
    assert.equal(tree.statusCode, 200, tree.body);
    assert.ok(tree.json().files.some((f: { path: string }) => f.path === 'dir/feature.txt'));
  });

  it('says so when no prefix names a branch or tag', async () => {
    await refused(
      'https://huggingface.co/acme/slashy/tree/feature/y/dir',
      404,
      'RevisionNotFound',
      /acme\/slashy has no branch or tag "feature", "feature\/y" or "feature\/y\/dir"\. Pick one/,
    );
    await refused('https://huggingface.co/acme/slashy/tree/nope', 404, 'RevisionNotFound', /acme\/slashy has no branch or tag "nope"\. Pick one/);
    await refused('https://huggingface.co/acme/slashy/blob/feature/x', 404, 'RevisionNotFound', /no branch or tag "feature"\. Pick/);
    await refused(
      'https://huggingface.co/acme/slashy/tree/a/b/c/d/e/f',
      404,
      'RevisionNotFound',
      /no branch or tag "a", "a\/b", "a\/b\/c", … or "a\/b\/c\/d\/e\/f"\./,
    );
  });

  it('a pull request page means refs/pr/N', async () => {
    await ok('https://huggingface.co/acme/slashy/discussions/4', { author: 'acme', repo: 'slashy', revision: 'refs/pr/4', kind: 'tree' });
    await ok('hf.co/acme/slashy/discussions/4/files', { author: 'acme', repo: 'slashy', revision: 'refs/pr/4', kind: 'tree' });
    await ok('https://huggingface.co/acme/slashy/blob/refs/pr/4/pr.txt', {
      author: 'acme',
      repo: 'slashy',
      revision: 'refs/pr/4',
      path: 'pr.txt',
      kind: 'blob',
    });
    await ok('https://huggingface.co/acme/slashy/discussions', { author: 'acme', repo: 'slashy', kind: 'repo' });
    await refused('https://huggingface.co/acme/slashy/discussions/9', 404, 'RevisionNotFound', /acme\/slashy has no pull request #9/);
  });

  it('commit ids, full and short', async () => {
    const refs = (await t.app.inject({ url: '/hf/refs?author=acme&repo=slashy', headers: bearer(token) })).json();
    const sha: string = refs.refs.find((b: { name: string }) => b.name === 'feature/x').commit;
    await ok(`https://huggingface.co/acme/slashy/tree/${sha}/dir`, { author: 'acme', repo: 'slashy', revision: sha, path: 'dir', kind: 'tree' });
    await ok(`hf.co/acme/slashy/blob/${sha.slice(0, 7)}/dir/feature.txt`, {
      author: 'acme',
      repo: 'slashy',
      revision: sha.slice(0, 7),
      path: 'dir/feature.txt',
      kind: 'blob',
    });
    await ok(`https://huggingface.co/acme/slashy/commit/${sha}`, { author: 'acme', repo: 'slashy', revision: sha, kind: 'tree' });
    await refused(
      'https://huggingface.co/acme/slashy/tree/0000000000000000000000000000000000000000',
      404,
      'RevisionNotFound',
      /has no branch, tag or commit "0{40}"/,
    );
  });

  it('refuses what is not a model link before asking the Hub', async () => {
    sim.stats.reset();
    await refused('https://example.com/acme/slashy', 400, 'InvalidUrl', /host must be huggingface\.co or hf\.co/);
    await refused('evil.com/acme/slashy', 400, 'InvalidUrl', /not "evil\.com"/);
    await refused('acme/slashy/tree/main/../../x', 400, 'InvalidUrl', /"\." and "\.\."/);
    await refused('', 400, 'InvalidUrl', /empty/);
    assert.equal(sim.stats.requests.length, 0, 'nothing reached the Hub');
  });
});
