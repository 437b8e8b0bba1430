import { describe, expect, it, jest } from '@jest/globals';
import { fireEvent, screen, waitFor } from '@testing-library/react-native';
import type { TreeEntry } from '@d011dl/contract';
import { browseRows, comparePaths, folderPaths, toSelection } from '../browse/tree';
import { BrowseScreen } from '../screens/BrowseScreen';
import { fakeFetch } from '../test/fakeFetch';
import { renderSignedIn } from '../test/render';

const ID = '11111111-2222-4333-8444-555555555555';
const file = (path: string, size_bytes: number): TreeEntry => ({ path, type: 'file', size_bytes, oid: path });
const dir = (path: string): TreeEntry => ({ path, type: 'dir', size_bytes: 0, oid: path });

// 'onnx' is listed as a dir entry; 'nested' and 'nested/deep' only show up in file paths.
const TREE: TreeEntry[] = [
  file('config.json', 1000),
  dir('onnx'),
  file('onnx/model.onnx', 3_000_000),
  file('onnx/tokenizer.json', 500),
  file('onnx/fp16/model.onnx', 1_500_000),
  file('nested/deep/w.bin', 700),
  file('onnx-notes.txt', 10),
];

describe('browse tree helpers', () => {
  it('finds folders from dir entries and from file paths, below the browsed folder only', () => {
    expect(folderPaths(TREE).sort(comparePaths)).toEqual(['nested', 'nested/deep', 'onnx', 'onnx/fp16']);
    expect(folderPaths(TREE, 'onnx')).toEqual(['onnx/fp16']);
  });

  it('orders a folder right before its content', () => {
    expect(browseRows(TREE, null).map((r) => `${r.kind}:${r.path}:${r.depth}`)).toEqual([
      'file:config.json:0',
      'dir:nested:0',
      'dir:nested/deep:1',
      'file:nested/deep/w.bin:2',
      'dir:onnx:0',
      'dir:onnx/fp16:1',
      'file:onnx/fp16/model.onnx:2',
      'file:onnx/model.onnx:1',
      'file:onnx/tokenizer.json:1',
      'file:onnx-notes.txt:0',
    ]);
  });

  it('with a filter, keeps only the folders holding a matching file', () => {
    const rows = browseRows(TREE, (p) => p.endsWith('.bin'));
    expect(rows.map((r) => r.path)).toEqual(['nested', 'nested/deep', 'nested/deep/w.bin']);
  });

  it('sends a wholly selected folder as one dir item, only when the listing is complete', () => {
    const sel = new Set(['config.json', 'onnx/model.onnx', 'onnx/tokenizer.json', 'onnx/fp16/model.onnx', 'nested/deep/w.bin']);
    expect(toSelection(TREE, sel, true)).toEqual([
      { path: 'config.json', type: 'file' },
      { path: 'nested', type: 'dir' },
      { path: 'onnx', type: 'dir' },
    ]);
    sel.delete('onnx/tokenizer.json');
    expect(toSelection(TREE, sel, true)).toEqual([
      { path: 'config.json', type: 'file' },
      { path: 'nested', type: 'dir' },
      { path: 'onnx/fp16', type: 'dir' },
      { path: 'onnx/model.onnx', type: 'file' },
    ]);
    expect(toSelection(TREE, sel, false)).toEqual([...sel].sort(comparePaths).map((path) => ({ path, type: 'file' })));
  });
});

describe('BrowseScreen folders', () => {
  function routes(pages: { files: TreeEntry[]; next_cursor: string | null }[]) {
    return fakeFetch({
      'GET /hf/refs': () => ({ status: 200, body: { branches: ['main'], tags: [], refs: [{ name: 'main', kind: 'branch', ref: 'refs/heads/main', commit: 'a' }] } }),
      'GET /hf/tree': (r) => ({ status: 200, body: pages[Number(r.url.searchParams.get('cursor') ?? 0)] }),
      'POST /downloads': () => ({ status: 202, body: { download_id: ID, status: 'queued', commit_sha: 'a', files_total: 1, bytes_total: 1 } }),
    });
  }
  const folder = (name: string) => screen.getByRole('checkbox', { name });

  it('selects and deselects every file under a folder, and totals them', async () => {
    const { fetch, calls } = routes([{ files: TREE, next_cursor: null }]);
    await renderSignedIn(<BrowseScreen author="gpt2" repo="tiny" onStarted={() => {}} />, fetch);
    await screen.findByText(/tokenizer\.json/);

    await fireEvent.press(folder('onnx/'));
    expect(screen.getByTestId('total')).toHaveTextContent('3 selected · 4.5 MB');
    expect(folder('onnx/')).toBeChecked();
    expect(folder('onnx/fp16/')).toBeChecked();
    expect(folder('onnx/')).toHaveTextContent(/3 files · 4\.5 MB/);
    expect(folder('onnx/fp16/')).toHaveTextContent(/1 file · 1\.5 MB/);
    expect(screen.getByRole('checkbox', { name: 'onnx/model.onnx' })).toBeChecked();
    expect(screen.getByRole('checkbox', { name: 'onnx-notes.txt' })).not.toBeChecked();

    await fireEvent.press(folder('onnx/fp16/'));
    expect(screen.getByTestId('total')).toHaveTextContent('2 selected · 3 MB');
    expect(folder('onnx/')).toBePartiallyChecked();

    await fireEvent.press(folder('onnx/')); // partly selected: selects the rest
    expect(screen.getByTestId('total')).toHaveTextContent('3 selected · 4.5 MB');
    await fireEvent.press(folder('onnx/'));
    expect(screen.getByTestId('total')).toHaveTextContent('0 selected · 0 B');
    expect(folder('onnx/')).not.toBeChecked();

    await fireEvent.press(folder('nested/')); // a folder known only from a file path
    await fireEvent.press(screen.getByRole('checkbox', { name: 'config.json' }));
    expect(folder('nested/deep/')).toBeChecked();
    expect(screen.getByTestId('total')).toHaveTextContent('2 selected · 1.7 kB');
    await fireEvent.press(screen.getByRole('button', { name: 'Download selected' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true));
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({
      author: 'gpt2',
      repo: 'tiny',
      revision: 'main',
      selection: [
        { path: 'config.json', type: 'file' },
        { path: 'nested', type: 'dir' },
      ],
    });
  });

  it('acts on the filtered files only, and select all still works', async () => {
    const { fetch } = routes([{ files: TREE, next_cursor: null }]);
    await renderSignedIn(<BrowseScreen author="gpt2" repo="tiny" onStarted={() => {}} />, fetch);
    await screen.findByText(/tokenizer\.json/);
    await fireEvent.changeText(screen.getByTestId('filter'), '*.onnx');
    expect(screen.queryByRole('checkbox', { name: 'nested/' })).toBeNull();
    await fireEvent.press(folder('onnx/'));
    expect(screen.getByTestId('total')).toHaveTextContent('2 selected · 4.5 MB');
    expect(folder('onnx/')).toBeChecked();
    await fireEvent.changeText(screen.getByTestId('filter'), '');
    expect(folder('onnx/')).toBePartiallyChecked();
    await fireEvent.press(screen.getByText(/Select all/));
    expect(screen.getByTestId('total')).toHaveTextContent('6 selected · 4.5 MB');
    await fireEvent.press(screen.getByText(/Select all/));
    expect(screen.getByTestId('total')).toHaveTextContent('0 selected · 0 B');
  });

  it('waits for every page, then sends a wholly selected folder as one item', async () => {
    const onStarted = jest.fn();
    const { fetch, calls } = routes([
      { files: [dir('a'), file('a/x.bin', 100)], next_cursor: '1' },
      { files: [file('a/y.bin', 200)], next_cursor: null },
    ]);
    await renderSignedIn(<BrowseScreen author="gpt2" repo="tiny" onStarted={onStarted} />, fetch);
    await screen.findByText(/a\/y\.bin/);
    await fireEvent.press(folder('a/'));
    expect(screen.getByTestId('total')).toHaveTextContent('2 selected · 300 B');
    await fireEvent.press(screen.getByRole('button', { name: 'Download selected' }));
    await waitFor(() => expect(onStarted).toHaveBeenCalledWith(ID));
    expect((calls.find((c) => c.method === 'POST')!.body as { selection: unknown }).selection).toEqual([{ path: 'a', type: 'dir' }]);
  });

  it('a linked folder is listed in the whole tree, selected', async () => {
    const { fetch, calls } = routes([{ files: [file('onnx/model.onnx', 1), file('onnx/fp16/model.onnx', 2), file('vocab.txt', 5)], next_cursor: null }]);
    await renderSignedIn(<BrowseScreen author="gpt2" repo="tiny" path="onnx" onStarted={() => {}} />, fetch);
    await screen.findByText(/fp16\/model\.onnx/);
    expect(folder('onnx/')).toBeChecked();
    expect(screen.getByRole('checkbox', { name: 'vocab.txt' })).not.toBeChecked();
    expect(screen.getByTestId('total')).toHaveTextContent('2 selected · 3 B');
    expect(calls.find((c) => c.url.pathname === '/hf/tree')!.url.searchParams.get('path')).toBeNull();
  });

  it('lists pull requests after branches and tags, and browses one at refs/pr/N', async () => {
    const { fetch, calls } = fakeFetch({
      'GET /hf/refs': () => ({
        status: 200,
        body: {
          branches: ['main'],
          tags: ['v1'],
          refs: [
            { name: 'main', kind: 'branch', ref: 'refs/heads/main', commit: 'a' },
            { name: 'v1', kind: 'tag', ref: 'refs/tags/v1', commit: 'a' },
            { name: '4', kind: 'pr', ref: 'refs/pr/4', commit: 'b' },
          ],
        },
      }),
      'GET /hf/tree': () => ({ status: 200, body: { files: TREE, next_cursor: null } }),
    });
    await renderSignedIn(<BrowseScreen author="gpt2" repo="tiny" onStarted={() => {}} />, fetch);
    await screen.findByText(/tokenizer\.json/);
    expect(calls.find((c) => c.url.pathname === '/hf/refs')!.url.searchParams.get('include_prs')).toBe('true');
    await fireEvent.press(screen.getByText('PR #4'));
    await screen.findByText(/tokenizer\.json/);
    expect(calls.filter((c) => c.url.pathname === '/hf/tree').at(-1)!.url.searchParams.get('revision')).toBe('refs/pr/4');
  });
});
