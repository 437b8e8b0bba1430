import { describe, expect, it, jest } from '@jest/globals';
import { act, fireEvent, screen, waitFor } from '@testing-library/react-native';
import { StyleSheet } from 'react-native';
import type { TreeEntry } from '@d011dl/contract';
import { BrowseScreen } from '../screens/BrowseScreen';
import { fakeFetch } from '../test/fakeFetch';
import { ID } from '../test/fixtures';
import { renderSignedIn } from '../test/render';

const refs = { branches: [{ name: 'main', ref: 'refs/heads/main', commit: 'a' }], tags: [] };
const file = (path: string, size_bytes: number): TreeEntry => ({ path, type: 'file', size_bytes, oid: path });

/** 5,002 files in three pages (as the Hub pages a big tree): 2,000 in fp16/, 3,000 in q4/, 2 at the root. */
const all: TreeEntry[] = [
  file('README.md', 1_000),
  file('config.json', 500),
  ...Array.from({ length: 2000 }, (_, i) => file(`fp16/shard-${String(i).padStart(4, '0')}.bin`, 50_000_000)),
  ...Array.from({ length: 3000 }, (_, i) => file(`q4/part-${String(i).padStart(4, '0')}.bin`, 10_000_000)),
];
const pages: Record<string, { files: TreeEntry[]; next_cursor: string | null }> = {
  '': { files: all.slice(0, 2000), next_cursor: 'c2' },
  c2: { files: all.slice(2000, 4000), next_cursor: 'c3' },
  c3: { files: all.slice(4000), next_cursor: null },
};

/** The API; the last page waits for `release()` when `hold` is set. */
function api(hold = false) {
  let release!: () => void;
  const gate = hold ? new Promise<void>((r) => (release = r)) : Promise.resolve();
  const { fetch, calls } = fakeFetch({
    'GET /hf/refs': () => ({ status: 200, body: refs }),
    'GET /hf/tree': (r) => ({ status: 200, body: pages[r.url.searchParams.get('cursor') ?? '']! }),
    'POST /downloads': () => ({ status: 202, body: { download_id: ID, status: 'queued', commit_sha: 'a', files_total: 1, bytes_total: 1 } }),
  });
  const gated = (async (input: RequestInfo | URL, init?: RequestInit) => {
    if (String(input).includes('cursor=c3')) await gate;
    return fetch(input, init);
  }) as typeof fetch;
  return { fetch: gated, calls, release: () => release() };
}

describe('Browse loads the whole tree', () => {
  it('shows a loading state until the last page, then counts every file', async () => {
    const { fetch, calls, release } = api(true);
    await renderSignedIn(<BrowseScreen author="acme" repo="big" onStarted={() => {}} />, fetch);
    await waitFor(() => expect(screen.getByTestId('tree-loading')).toHaveTextContent(/4000 entries so far/));
    expect(screen.queryByText(/Select all/)).toBeNull();
    expect(screen.getByRole('button', { name: 'Download whole repo' })).toBeDisabled();
    await act(async () => release());
    expect(await screen.findByText('☐ Select all (5002)')).toBeTruthy();
    expect(calls.filter((c) => c.url.pathname === '/hf/tree').map((c) => c.url.searchParams.get('cursor'))).toEqual([null, 'c2', 'c3']);
    expect(screen.getByText('2000 files · 100 GB')).toBeTruthy(); // fp16/
    // touch targets: rows, Select all and the buttons are 48 dp
    for (const el of [screen.getByRole('checkbox', { name: 'fp16/' }), screen.getByRole('checkbox', { name: 'README.md' }), screen.getByRole('button', { name: 'Download whole repo' })]) {
      const style = StyleSheet.flatten(el.props.style);
      expect(style.height ?? style.minHeight).toBeGreaterThanOrEqual(48);
    }
  });

  it('selects all 5,002 files and sends whole folders', async () => {
    const { fetch, calls } = api();
    await renderSignedIn(<BrowseScreen author="acme" repo="big" onStarted={() => {}} />, fetch);
    await fireEvent.press(await screen.findByText(/Select all \(5002\)/));
    expect(screen.getByTestId('total')).toHaveTextContent('5002 selected · 130 GB');
    await fireEvent.press(screen.getByRole('button', { name: 'Download selected' }));
    await fireEvent.press(screen.getByRole('button', { name: 'Download 130 GB' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true));
    expect(calls.find((c) => c.method === 'POST')!.body).toMatchObject({
      selection: [{ path: 'README.md', type: 'file' }, { path: 'config.json', type: 'file' }, { path: 'fp16', type: 'dir' }, { path: 'q4', type: 'dir' }],
    });
  });
});

describe('a download over 20 GB asks first', () => {
  it('"Download whole repo" names the size and file count, and Cancel sends nothing', async () => {
    const { fetch, calls } = api();
    const onStarted = jest.fn();
    await renderSignedIn(<BrowseScreen author="acme" repo="big" onStarted={onStarted} />, fetch);
    await screen.findByText(/Select all/);
    await fireEvent.press(screen.getByRole('button', { name: 'Download whole repo' }));
    expect(screen.getByTestId('confirm-big')).toHaveTextContent(/Download 130 GB to the server\? That is 5002 files, the whole repo/);
    await fireEvent.press(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByTestId('confirm-big')).toBeNull();
    expect(calls.some((c) => c.method === 'POST')).toBe(false);

    await fireEvent.press(screen.getByRole('button', { name: 'Download whole repo' }));
    await fireEvent.press(screen.getByRole('button', { name: 'Download 130 GB' }));
    await waitFor(() => expect(onStarted).toHaveBeenCalledWith(ID));
    expect(calls.find((c) => c.method === 'POST')!.body).toMatchObject({ selection: [] });
  });

  it('a selection over 20 GB asks too; one under it starts at once', async () => {
    const { fetch, calls } = api();
    const onStarted = jest.fn();
    await renderSignedIn(<BrowseScreen author="acme" repo="big" onStarted={onStarted} />, fetch);
    await fireEvent.press(await screen.findByRole('checkbox', { name: 'fp16/' }));
    await fireEvent.press(screen.getByRole('button', { name: 'Download selected' }));
    expect(screen.getByTestId('confirm-big')).toHaveTextContent(/Download 100 GB to the server\? That is 2000 files;/);
    await fireEvent.press(screen.getByRole('button', { name: 'Cancel' }));
    await fireEvent.press(screen.getByRole('checkbox', { name: 'fp16/' })); // off again
    await fireEvent.press(screen.getByRole('checkbox', { name: 'README.md' }));
    await fireEvent.press(screen.getByRole('button', { name: 'Download selected' }));
    await waitFor(() => expect(onStarted).toHaveBeenCalledWith(ID));
    expect(screen.queryByTestId('confirm-big')).toBeNull();
    expect(calls.find((c) => c.method === 'POST')!.body).toMatchObject({ selection: [{ path: 'README.md', type: 'file' }] });
  });
});

describe('a linked file or folder', () => {
  it('a file link selects that file and opens the list at it', async () => {
    const { fetch } = api();
    await renderSignedIn(<BrowseScreen author="acme" repo="big" path="q4/part-2999.bin" onStarted={() => {}} />, fetch);
    await screen.findByText(/Select all/);
    expect(screen.getByTestId('total')).toHaveTextContent('1 selected · 10 MB');
    // the last of 5,006 rows: only rendered when the list opens there (a list renders ~10 rows first)
    expect(screen.getByRole('checkbox', { name: 'q4/part-2999.bin' })).toBeChecked();
    expect(screen.queryByRole('checkbox', { name: 'README.md' })).toBeNull();
  });

  it('a folder link selects every file under it', async () => {
    const { fetch } = api();
    await renderSignedIn(<BrowseScreen author="acme" repo="big" path="q4" onStarted={() => {}} />, fetch);
    await screen.findByText(/Select all/);
    expect(screen.getByTestId('total')).toHaveTextContent('3000 selected · 30 GB');
    expect(screen.getByRole('checkbox', { name: 'q4/' })).toBeChecked(); // row 2,003 of 5,006: the list opens there
    expect(screen.getByText('3000 files · 30 GB')).toBeTruthy(); // counted over the last two pages
    expect(screen.queryByRole('checkbox', { name: 'README.md' })).toBeNull();
  });

  it('a link to a path the revision lacks says so and selects nothing', async () => {
    const { fetch } = api();
    await renderSignedIn(<BrowseScreen author="acme" repo="big" path="gone.gguf" onStarted={() => {}} />, fetch);
    expect(await screen.findByTestId('linked-missing')).toHaveTextContent('The linked gone.gguf is not in main.');
    expect(screen.getByTestId('total')).toHaveTextContent('0 selected · 0 B');
  });
});
