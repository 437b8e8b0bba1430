// Issue 15 on Android: the quant table above the tree with its one-click download, and the update
// badge, "what changed", Check now and Pin on a My models row.
import { describe, expect, it, jest } from '@jest/globals';
import { fireEvent, screen, waitFor, within } from '@testing-library/react-native';
import { groupQuants, RAM_OVERHEAD_TEXT, type TreeEntry } from '@d011dl/contract';
import { BrowseScreen } from '../screens/BrowseScreen';
import { ModelsScreen } from '../screens/ModelsScreen';
import { fakeFetch } from '../test/fakeFetch';
import { ID, MODEL, modelFixture } from '../test/fixtures';
import { renderSignedIn } from '../test/render';

// the first render of a file transforms the screens: slow on a loaded machine
jest.setTimeout(30_000);

const file = (path: string, size_bytes: number): TreeEntry => ({ path, type: 'file', size_bytes, oid: path });
const TREE = [
  file('README.md', 100),
  file('config.json', 50),
  file('demo-Q4_K_M-00001-of-00002.gguf', 3_000_000_000),
  file('demo-Q4_K_M-00002-of-00002.gguf', 1_000_000_000),
  file('demo-Q8_0.gguf', 8_000_000_000),
];
// the server's answer, made with the same grouping the API uses; Q8_0 is already downloaded
const QUANTS = {
  ...groupQuants(
    TREE.map((f) => ({ path: f.path, size_bytes: f.size_bytes })),
    (p) => p === 'demo-Q8_0.gguf',
  ),
  ram_overhead: RAM_OVERHEAD_TEXT,
};

describe('quant table on the browse screen', () => {
  function api() {
    return fakeFetch({
      'GET /hf/refs': () => ({ status: 200, body: { branches: ['main'], tags: [], refs: [{ name: 'main', kind: 'branch', ref: 'refs/heads/main', commit: 'a' }] } }),
      'GET /hf/tree': () => ({ status: 200, body: { files: TREE, next_cursor: null } }),
      'GET /hf/quants': () => ({ status: 200, body: QUANTS }),
      'POST /downloads': () => ({ status: 202, body: { download_id: ID, status: 'queued', commit_sha: 'a'.repeat(40), files_total: 4, bytes_total: 4_000_000_150 } }),
    });
  }

  it('lists each quant once with its total size and marks the downloaded one', async () => {
    const { fetch, calls } = api();
    await renderSignedIn(<BrowseScreen author="acme" repo="demo-GGUF" onStarted={() => {}} />, fetch);
    const q4 = within(await screen.findByTestId('quant-Q4_K_M'));
    expect(q4.getByText(/^4 GB · 2 parts/)).toBeTruthy();
    expect(q4.getByText(/4.89 bits\/weight/)).toBeTruthy();
    expect(q4.queryByText('✓ already downloaded')).toBeNull();
    expect(within(screen.getByTestId('quant-Q8_0')).getByText('✓ already downloaded')).toBeTruthy();
    expect(calls.find((c) => c.url.pathname === '/hf/quants')!.url.searchParams.get('revision')).toBe('main');
  });

  it('"Download this quant (+ config files)" selects its parts and the small files, and starts', async () => {
    const onStarted = jest.fn();
    const { fetch, calls } = api();
    await renderSignedIn(<BrowseScreen author="acme" repo="demo-GGUF" onStarted={onStarted} />, fetch);
    await fireEvent.press(await screen.findByRole('button', { name: 'Download Q4_K_M (+ config files)' }));
    await waitFor(() => expect(onStarted).toHaveBeenCalledWith(ID));
    const body = calls.find((c) => c.method === 'POST')!.body as { selection: { path: string }[] };
    expect(body.selection.map((s) => s.path).sort()).toEqual(['README.md', 'config.json', 'demo-Q4_K_M-00001-of-00002.gguf', 'demo-Q4_K_M-00002-of-00002.gguf']);
    expect(screen.getByTestId('total')).toHaveTextContent(/^4 selected/);
  });

  it('shows nothing when the repo has no weights or the table cannot be had', async () => {
    const { fetch } = fakeFetch({
      'GET /hf/refs': () => ({ status: 200, body: { branches: ['main'], tags: [], refs: [] } }),
      'GET /hf/tree': () => ({ status: 200, body: { files: TREE, next_cursor: null } }),
      'GET /hf/quants': () => ({ status: 502, body: { statusCode: 502, error: 'HubUnavailable', message: 'down' } }),
    });
    await renderSignedIn(<BrowseScreen author="acme" repo="demo-GGUF" onStarted={() => {}} />, fetch);
    await screen.findByText(/README.md/);
    expect(screen.queryByTestId('quant-table')).toBeNull();
  });
});

describe('update checks on My models', () => {
  const base = modelFixture({ author: 'acme', repo: 'tiny', commit_sha: 'a'.repeat(40), local_path: '/nas/acme/tiny/main', display_path: '/nas/acme/tiny/main' });
  const changes = {
    model_id: MODEL, from_commit: 'a'.repeat(40), to_commit: 'b'.repeat(40), added: 1, changed: 1, removed: 0, bytes_to_fetch: 2_000,
    files: [
      { path: 'config.json', change: 'changed', size_bytes: 1_000, old_size_bytes: 900, tracked: true },
      { path: 'tokenizer.json', change: 'added', size_bytes: 1_000, old_size_bytes: null, tracked: false },
    ],
  };
  function api() {
    let state = { update_available: false, hub_commit_sha: 'a'.repeat(40), checked_at: null as string | null, pinned: false };
    const answer = () => ({ model_id: MODEL, revision: 'main', checkable: true, commit_sha: base.commit_sha, check_error: null, ...state });
    return fakeFetch({
      'GET /db/models': () => ({ status: 200, body: [{ ...base, ...state }] }),
      [`POST /db/models/${MODEL}/check-update`]: () => {
        state = { ...state, update_available: true, hub_commit_sha: 'b'.repeat(40), checked_at: '2026-11-30T06:00:00Z' };
        return { status: 200, body: { ...answer(), changes } };
      },
      [`GET /db/models/${MODEL}/changes`]: () => ({ status: 200, body: changes }),
      [`POST /db/models/${MODEL}/update`]: () => {
        state = { ...state, update_available: false };
        const job = { download_id: 'cccccccc-6c1a-4b8e-9d5e-1b2c3d4e5f60', model_id: MODEL, status: 'queued', commit_sha: 'b'.repeat(40) };
        return { status: 202, body: { ...job, files_added: 1, files_changed: 1, files_removed: 0, files_unchanged: 3, bytes_to_fetch: 2_000 } };
      },
      [`PUT /db/models/${MODEL}/pin`]: (r) => {
        const pinned = (r.body as { pinned: boolean }).pinned;
        state = { ...state, pinned, update_available: pinned ? false : state.hub_commit_sha !== base.commit_sha };
        return { status: 200, body: answer() };
      },
    });
  }

  it('Check now flags the row, says what changed; Pin hides the badge and the check', async () => {
    const { fetch, calls } = api();
    await renderSignedIn(<ModelsScreen />, fetch);
    expect(screen.queryByText('Update available')).toBeNull();
    await fireEvent.press(await screen.findByRole('button', { name: 'Check acme/tiny @ main for updates' }));
    const list = within(await screen.findByTestId(`model-changes-${MODEL}`));
    expect(list.getByText('1 added · 1 changed · 0 removed · 2 kB to fetch')).toBeTruthy();
    expect(list.getByText('changed · 1 kB')).toBeTruthy();
    expect(await screen.findByText('Update available')).toBeTruthy();
    await fireEvent.press(screen.getByRole('button', { name: 'Pin acme/tiny @ main' }));
    expect(calls.find((c) => c.method === 'PUT')!.body).toEqual({ pinned: true });
    await waitFor(() => expect(screen.queryByText('Update available')).toBeNull());
    expect(screen.getByText('📌 pinned')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Check acme/tiny @ main for updates' })).toBeNull();
    await fireEvent.press(screen.getByRole('button', { name: 'Unpin acme/tiny @ main' }));
    expect(await screen.findByText('Update available')).toBeTruthy();
    await fireEvent.press(screen.getByRole('button', { name: 'What changed in acme/tiny @ main' }));
    expect(await screen.findByTestId(`model-changes-${MODEL}`)).toBeTruthy();
    // Update: only what changed, as a job
    await fireEvent.press(screen.getByRole('button', { name: "Update acme/tiny @ main to the Hub's latest commit" }));
    expect(await screen.findByText('Updating: 2 files to fetch (2 kB), 3 kept. Follow it under Jobs.')).toBeTruthy();
    expect(calls.some((c) => c.method === 'POST' && c.url.pathname.endsWith('/update'))).toBe(true);
    await waitFor(() => expect(screen.queryByText('Update available')).toBeNull());
  });
});
