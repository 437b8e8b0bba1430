// What the phone does as the portal does (issue 13): Verify and re-download, the gated badge before
// Download, Pause/Resume/Retry named for what they do, and Copy path.
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { fireEvent, screen, waitFor, within } from '@testing-library/react-native';
import { Linking, Share } from 'react-native';
import type { DownloadFile } from '@d011dl/contract';
import { ApiClient, ApiRequestError, repoInfo } from '../api/client';
import { memoryStore } from '../api/storage';
import { BrowseScreen } from '../screens/BrowseScreen';
import { JobScreen } from '../screens/JobScreen';
import { JobsScreen } from '../screens/JobsScreen';
import { BASE, fakeFetch, type Handler } from '../test/fakeFetch';
import { ID, jobFixture } from '../test/fixtures';
import { renderSignedIn } from '../test/render';

const ID2 = '22222222-2222-4333-8444-555555555555';
const refs = { branches: [{ name: 'main', ref: 'refs/heads/main', commit: 'a' }], tags: [] };
const tree = { files: [{ path: 'config.json', type: 'file', size_bytes: 500, oid: 'c' }], next_cursor: null };
const ungated = { author: 'acme', repo: 'tiny', gated: false, private: false, access: 'granted', request_url: null };
const created = { status: 202, body: { download_id: ID, status: 'queued', commit_sha: 'a', files_total: 1, bytes_total: 500 } };
const already = { status: 409, body: { statusCode: 409, error: 'AlreadyDownloaded', message: 'Every selected file is already downloaded; send force: true to check them again.', retry_with: { force: true } } };

function browseApi(info: object, posts: Handler[] = [() => created]) {
  return fakeFetch({
    'GET /hf/refs': () => ({ status: 200, body: refs }),
    'GET /hf/tree': () => ({ status: 200, body: tree }),
    'GET /hf/repo-info': () => ({ status: 200, body: info }),
    'POST /downloads': posts,
  });
}

// Only the spies made here: restoreAllMocks would also strip the jest-expo preset's native-module mocks.
const spies: { mockRestore(): void }[] = [];
afterEach(() => {
  while (spies.length) spies.pop()!.mockRestore();
});

describe('Browse: already downloaded', () => {
  it('offers "Verify and re-download", explains it, and sends the same request with force', async () => {
    const { fetch, calls } = browseApi(ungated, [() => already, () => created]);
    const onStarted = jest.fn();
    await renderSignedIn(<BrowseScreen author="acme" repo="tiny" onStarted={onStarted} />, fetch);
    await fireEvent.press(await screen.findByRole('checkbox', { name: 'config.json' }));
    await fireEvent.press(screen.getByRole('button', { name: 'Download selected' }));
    const offer = await screen.findByTestId('already');
    expect(offer).toHaveTextContent(/checks every file on the server against the Hub and fetches only what is missing or differs/);
    expect(screen.getByText('Every selected file is already on the server.')).toBeTruthy();
    expect(screen.queryByText(/force: true/)).toBeNull(); // API words stay out of sight
    expect(screen.queryByRole('button', { name: 'Download selected' })).toBeNull();
    await fireEvent.press(screen.getByRole('button', { name: 'Verify and re-download' }));
    await waitFor(() => expect(onStarted).toHaveBeenCalledWith(ID));
    const posts = calls.filter((c) => c.method === 'POST');
    expect(posts).toHaveLength(2);
    expect(posts[0]!.body).not.toHaveProperty('force');
    expect(posts[1]!.body).toMatchObject({ author: 'acme', repo: 'tiny', revision: 'main', force: true, selection: [{ path: 'config.json', type: 'file' }] });
  });

  it('a change of selection brings Download back', async () => {
    const { fetch } = browseApi(ungated, [() => already]);
    await renderSignedIn(<BrowseScreen author="acme" repo="tiny" onStarted={() => {}} />, fetch);
    await fireEvent.press(await screen.findByRole('checkbox', { name: 'config.json' }));
    await fireEvent.press(screen.getByRole('button', { name: 'Download selected' }));
    await screen.findByTestId('already');
    await fireEvent.press(screen.getByRole('checkbox', { name: 'config.json' }));
    expect(screen.queryByTestId('already')).toBeNull();
    expect(screen.getByRole('button', { name: 'Download whole repo' })).toBeTruthy();
  });
});

describe('Browse: gated repos', () => {
  it('shows the badge and opens the access request page before Download', async () => {
    const open = jest.spyOn(Linking, 'openURL').mockResolvedValue(true);
    spies.push(open);
    const url = 'https://huggingface.co/acme/tiny';
    const { fetch, calls } = browseApi({ ...ungated, gated: 'manual', access: 'needs-request', request_url: url });
    await renderSignedIn(<BrowseScreen author="acme" repo="tiny" onStarted={() => {}} />, fetch);
    const box = await screen.findByTestId('gated-info');
    expect(within(box).getByText('gated')).toBeTruthy();
    expect(box).toHaveTextContent(/has no access yet\. The authors review each request\./);
    expect(calls.find((c) => c.url.pathname === '/hf/repo-info')!.url.search).toBe('?author=acme&repo=tiny');
    await fireEvent.press(within(box).getByRole('link', { name: 'Request access on Hugging Face' }));
    expect(open).toHaveBeenCalledWith(url);
    expect(calls.some((c) => c.method === 'POST')).toBe(false);
  });

  it('says nothing for an open repo', async () => {
    const { fetch, calls } = browseApi(ungated);
    await renderSignedIn(<BrowseScreen author="acme" repo="tiny" onStarted={() => {}} />, fetch);
    await screen.findByRole('checkbox', { name: 'config.json' });
    await waitFor(() => expect(calls.some((c) => c.url.pathname === '/hf/repo-info')).toBe(true));
    expect(screen.queryByTestId('gated-info')).toBeNull();
  });

  it('says only "has access" when the server\'s token is granted', async () => {
    const granted = browseApi({ ...ungated, gated: 'auto', access: 'granted', request_url: 'https://huggingface.co/acme/tiny' });
    await renderSignedIn(<BrowseScreen author="acme" repo="tiny" onStarted={() => {}} />, granted.fetch);
    expect(await screen.findByTestId('gated-info')).toHaveTextContent(/gated.*This server's Hugging Face token has access\./);
    expect(screen.queryByRole('link', { name: 'Request access on Hugging Face' })).toBeNull();
  });

  it('repoInfo parses the answer with the contract schema', async () => {
    const ok = fakeFetch({ 'GET /hf/repo-info': () => ({ status: 200, body: ungated }) });
    const bad = fakeFetch({ 'GET /hf/repo-info': () => ({ status: 200, body: { ...ungated, gated: 'yes' } }) });
    const client = (f: typeof fetch) => {
      const c = new ApiClient({ store: memoryStore(), fetch: f });
      return c.setBaseUrl(BASE).then(() => c);
    };
    // `token` (whose token was checked) is new: an older server's answer without it reads as null
    expect(await repoInfo(await client(ok.fetch), 'acme', 'tiny')).toEqual({ ...ungated, token: null });
    await expect(repoInfo(await client(bad.fetch), 'acme', 'tiny')).rejects.toMatchObject({ code: 'BadResponse' });
    await expect(repoInfo(await client(bad.fetch), 'acme', 'tiny')).rejects.toBeInstanceOf(ApiRequestError);
  });
});

describe('Pause, Resume, Retry', () => {
  const f = (path: string, status: DownloadFile['status']): DownloadFile => ({ path, size_bytes: 10, bytes_done: 5, status, error: null });

  it('the jobs list shows a canceled job as paused, filters it, and Resume is the API\'s retry', async () => {
    const { fetch, calls } = fakeFetch({
      'GET /downloads': () => ({ status: 200, body: { downloads: [jobFixture({ id: ID, status: 'canceled' }), jobFixture({ id: ID2, status: 'failed', repo: 'broken' })] } }),
      [`GET /downloads/${ID}/files`]: () => ({ status: 200, body: { files: [f('a.bin', 'downloading')] } }),
      [`GET /downloads/${ID2}/files`]: () => ({ status: 200, body: { files: [f('b.bin', 'failed')] } }),
      [`POST /downloads/${ID}/retry`]: () => ({ status: 202, body: {} }),
    });
    await renderSignedIn(<JobsScreen onOpen={() => {}} />, fetch);
    const paused = within(await screen.findByTestId(`job-${ID}`));
    expect(paused.getByText(/^paused · 50\.0%/)).toBeTruthy();
    expect(paused.getByRole('link', { name: 'gpt2/tiny @ main, paused' })).toBeTruthy();
    expect(within(screen.getByTestId(`job-${ID2}`)).getByRole('button', { name: 'Retry gpt2/broken @ main' })).toBeTruthy();
    await fireEvent.press(screen.getByRole('button', { name: 'Paused (1)' }));
    expect(screen.queryByTestId(`job-${ID2}`)).toBeNull();
    await fireEvent.press(screen.getByRole('button', { name: 'Resume gpt2/tiny @ main' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST' && c.url.pathname === `/downloads/${ID}/retry`)).toBe(true));
    await fireEvent.press(screen.getByRole('button', { name: 'Failed (1)' }));
    expect(screen.queryByTestId(`job-${ID}`)).toBeNull();
  });

  it('the job screen pauses a running job with the API\'s cancel and says the parts are kept', async () => {
    const { fetch, calls } = fakeFetch({
      [`GET /downloads/${ID}`]: [() => ({ status: 200, body: jobFixture({ status: 'running' }) }), () => ({ status: 200, body: jobFixture({ status: 'canceled' }) })],
      [`GET /downloads/${ID}/files`]: () => ({ status: 200, body: { files: [f('a.bin', 'downloading')] } }),
      [`POST /downloads/${ID}/cancel`]: () => ({ status: 200, body: {} }),
    });
    await renderSignedIn(<JobScreen id={ID} onModels={() => {}} />, fetch);
    expect(await screen.findByText(/^RUNNING/)).toBeTruthy();
    expect(screen.getByText('Pause stops the download and keeps the parts already fetched.')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Cancel' })).toBeNull();
    await fireEvent.press(screen.getByRole('button', { name: 'Pause' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST' && c.url.pathname === `/downloads/${ID}/cancel`)).toBe(true));
    expect(await screen.findByText(/^PAUSED/)).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Resume' })).toBeTruthy();
  });
});

describe('Copy path', () => {
  const api = () =>
    fakeFetch({
      [`GET /downloads/${ID}`]: () => ({ status: 200, body: jobFixture({ status: 'succeeded', display_path: '\\\\nas\\models\\gpt2\\tiny\\main' }) }),
      [`GET /downloads/${ID}/files`]: () => ({ status: 200, body: { files: [] } }),
    });

  it('hands the display path to the share sheet, whose Copy puts it on the clipboard; the path is selectable', async () => {
    const share = jest.spyOn(Share, 'share').mockResolvedValue({ action: Share.sharedAction });
    spies.push(share);
    await renderSignedIn(<JobScreen id={ID} onModels={() => {}} />, api().fetch);
    const path = await screen.findByTestId('display-path');
    expect(path).toHaveTextContent('\\\\nas\\models\\gpt2\\tiny\\main');
    expect(path.props.selectable).toBe(true);
    await fireEvent.press(screen.getByRole('button', { name: 'Copy path' }));
    expect(share).toHaveBeenCalledWith(expect.objectContaining({ message: '\\\\nas\\models\\gpt2\\tiny\\main' }));
    expect(screen.queryByTestId('copied')).toBeNull();
  });

  it('says how to copy by hand when the share sheet fails', async () => {
    spies.push(jest.spyOn(Share, 'share').mockRejectedValue(new Error('no activity')));
    await renderSignedIn(<JobScreen id={ID} onModels={() => {}} />, api().fetch);
    await fireEvent.press(await screen.findByRole('button', { name: 'Copy path' }));
    expect(await screen.findByTestId('copied')).toHaveTextContent('Could not copy: select the path above and copy it by hand.');
  });
});
