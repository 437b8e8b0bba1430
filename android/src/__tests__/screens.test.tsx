import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { act, fireEvent, screen, waitFor } from '@testing-library/react-native';
import { globToRegExp, type Download } from '@d011dl/contract';
import { BrowseScreen } from '../screens/BrowseScreen';
import { JobScreen, POLL_MS } from '../screens/JobScreen';
import { ModelsScreen } from '../screens/ModelsScreen';
import { PasteUrlScreen } from '../screens/PasteUrlScreen';
import { fakeFetch } from '../test/fakeFetch';
import { renderSignedIn } from '../test/render';
import { jobFixture, modelFixture } from '../test/fixtures';

const ID = '11111111-2222-4333-8444-555555555555';
const MODEL = '0b7f2c1e-6c1a-4b8e-9d5e-1b2c3d4e5f60';

describe('PasteUrlScreen', () => {
  it('parses the pasted link and hands the result on', async () => {
    const { fetch, calls } = fakeFetch({ 'POST /hf/parse-url': () => ({ status: 200, body: { author: 'gpt2', repo: 'tiny', revision: 'v1', kind: 'tree' } }) });
    const onParsed = jest.fn();
    await renderSignedIn(<PasteUrlScreen onParsed={onParsed} onModels={() => {}} onSignOut={() => {}} />, fetch);
    await fireEvent.changeText(screen.getByTestId('hf-url'), ' https://huggingface.co/gpt2/tiny/tree/v1 ');
    await fireEvent.press(screen.getByRole('button', { name: 'Open' }));
    await waitFor(() => expect(onParsed).toHaveBeenCalledWith({ author: 'gpt2', repo: 'tiny', revision: 'v1', kind: 'tree' }));
    expect(calls[0]!.body).toEqual({ url: 'https://huggingface.co/gpt2/tiny/tree/v1' });
    expect(calls[0]!.headers.Authorization).toBe('Bearer tok-1');
  });

  it('shows the API message for a link it cannot parse', async () => {
    const { fetch } = fakeFetch({ 'POST /hf/parse-url': () => ({ status: 400, body: { statusCode: 400, error: 'BadRequest', message: 'Not a Hugging Face URL' } }) });
    await renderSignedIn(<PasteUrlScreen onParsed={() => {}} onModels={() => {}} onSignOut={() => {}} />, fetch);
    // names a repo, so the app's own first check passes it on; the host is for the server to judge
    await fireEvent.changeText(screen.getByTestId('hf-url'), 'https://example.com/a/b');
    await fireEvent.press(screen.getByRole('button', { name: 'Open' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Not a Hugging Face URL');
  });
});

describe('BrowseScreen', () => {
  const refs = { branches: ['main'], tags: ['v1'], refs: [{ name: 'main', kind: 'branch', ref: 'refs/heads/main', commit: 'a' }, { name: 'v1', kind: 'tag', ref: 'refs/tags/v1', commit: 'b' }] };
  const page1 = {
    files: [
      { path: 'onnx', type: 'dir', size_bytes: 0, oid: 'd' },
      { path: 'config.json', type: 'file', size_bytes: 1000, oid: '1' },
      { path: 'model.safetensors', type: 'file', size_bytes: 2_000_000, oid: '2' },
    ],
    next_cursor: 'p2',
  };
  const page2 = { files: [{ path: 'onnx/model.onnx', type: 'file', size_bytes: 3_000_000, oid: '3' }], next_cursor: null };

  function routes() {
    return fakeFetch({
      'GET /hf/refs': () => ({ status: 200, body: refs }),
      'GET /hf/tree': (r) => ({ status: 200, body: r.url.searchParams.get('cursor') === 'p2' ? page2 : page1 }),
      'POST /downloads': () => ({ status: 202, body: { download_id: ID, status: 'queued', commit_sha: 'a', files_total: 1, bytes_total: 2_000_000 } }),
    });
  }

  it('lists every page, selects, totals and starts a download', async () => {
    const { fetch, calls } = routes();
    const onStarted = jest.fn();
    await renderSignedIn(<BrowseScreen author="gpt2" repo="tiny" onStarted={onStarted} />, fetch);
    expect(await screen.findByText(/model\.safetensors/)).toBeTruthy();
    expect(screen.getByText('v1')).toBeTruthy();
    expect(screen.getByText(/onnx\/model\.onnx/)).toBeTruthy(); // the second page, loaded before the list shows

    await fireEvent.press(screen.getByRole('checkbox', { name: 'model.safetensors' }));
    expect(screen.getByTestId('total')).toHaveTextContent('1 selected · 2 MB');
    await fireEvent.press(screen.getByRole('button', { name: 'Download selected' }));
    await waitFor(() => expect(onStarted).toHaveBeenCalledWith(ID));
    const post = calls.find((c) => c.method === 'POST')!;
    expect(post.body).toEqual({ author: 'gpt2', repo: 'tiny', revision: 'main', selection: [{ path: 'model.safetensors', type: 'file' }] });
  });

  it('select all respects the glob filter', async () => {
    const { fetch } = routes();
    await renderSignedIn(<BrowseScreen author="gpt2" repo="tiny" onStarted={() => {}} />, fetch);
    await screen.findByText(/model\.safetensors/);
    await fireEvent.changeText(screen.getByTestId('filter'), '*.json');
    await fireEvent.press(screen.getByText(/Select all/));
    expect(screen.getByTestId('total')).toHaveTextContent('1 selected · 1 kB');
  });

  it('shows a gated repo error', async () => {
    const { fetch } = fakeFetch({
      'GET /hf/refs': () => ({ status: 403, body: { statusCode: 403, error: 'GatedRepo', message: 'gpt2/tiny is gated: request access on huggingface.co' } }),
      'GET /hf/tree': () => ({ status: 403, body: { statusCode: 403, error: 'GatedRepo', message: 'gpt2/tiny is gated: request access on huggingface.co' } }),
    });
    await renderSignedIn(<BrowseScreen author="gpt2" repo="tiny" onStarted={() => {}} />, fetch);
    expect(await screen.findByRole('alert')).toHaveTextContent(/is gated/);
  });

  it('globToRegExp', () => {
    expect(globToRegExp('*.safetensors').test('a/b/model.safetensors')).toBe(true);
    expect(globToRegExp('*.json').test('model.safetensors')).toBe(false);
  });
});

const job = (over: Partial<Download>): Download => jobFixture(over);

describe('JobScreen', () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('polls every 1.5 s until the job is done', async () => {
    const { fetch, calls } = fakeFetch({
      [`GET /downloads/${ID}`]: [() => ({ status: 200, body: job({}) }), () => ({ status: 200, body: job({ status: 'succeeded', progress_pct: 100, bytes_done: 2_000_000, files_done: 1, eta_s: 0 }) })],
      [`GET /downloads/${ID}/files`]: () => ({ status: 200, body: { files: [{ path: 'model.safetensors', size_bytes: 2_000_000, bytes_done: 1_000_000, status: 'downloading', error: null }] } }),
    });
    await renderSignedIn(<JobScreen id={ID} onModels={() => {}} />, fetch);
    expect(await screen.findByText(/RUNNING · 50\.0%/)).toBeTruthy();
    expect(screen.getByText(/Speed 500 kB\/s · ETA 2 s/)).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Pause' })).toBeTruthy();
    await act(async () => {
      jest.advanceTimersByTime(POLL_MS);
    });
    expect(await screen.findByText(/SUCCEEDED · 100\.0%/)).toBeTruthy();
    const polls = () => calls.filter((c) => c.url.pathname === `/downloads/${ID}`).length;
    expect(polls()).toBe(2);
    await act(async () => {
      jest.advanceTimersByTime(POLL_MS * 3);
    });
    expect(polls()).toBe(2);
  });

  it('says when a job waits for the Hub, and that it resumes by itself', async () => {
    const retryAt = new Date(Date.now() + 40_000).toISOString();
    const { fetch } = fakeFetch({
      [`GET /downloads/${ID}`]: () => ({ status: 200, body: job({ waiting: { message: 'huggingface.co answered 503', retry_at: retryAt, attempt: 7 } }) }),
      [`GET /downloads/${ID}/files`]: () => ({ status: 200, body: { files: [] } }),
    });
    await renderSignedIn(<JobScreen id={ID} onModels={() => {}} />, fetch);
    expect(await screen.findByText(/Waiting for the Hub — retrying in 40 s \(attempt 7\): huggingface\.co answered 503\. It resumes by itself\./)).toBeTruthy();
  });

  it('offers retry for a failed job', async () => {
    const { fetch, calls } = fakeFetch({
      [`GET /downloads/${ID}`]: () => ({ status: 200, body: job({ status: 'failed', error: 'Not enough free space: 2 GB needed, 1 GB free' }) }),
      [`GET /downloads/${ID}/files`]: () => ({ status: 200, body: { files: [] } }),
      [`POST /downloads/${ID}/retry`]: () => ({ status: 202, body: {} }),
    });
    await renderSignedIn(<JobScreen id={ID} onModels={() => {}} />, fetch);
    expect(await screen.findByText(/Not enough free space/)).toBeTruthy();
    await fireEvent.press(screen.getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(calls.some((c) => c.url.pathname.endsWith('/retry'))).toBe(true));
  });
});

describe('ModelsScreen', () => {
  it('lists models with badges and NAS paths', async () => {
    const { fetch } = fakeFetch({
      'GET /db/models': () => ({
        status: 200,
        body: [
          modelFixture({ bytes_tracked: 2468 }),
          modelFixture({ id: ID, author: 'meta', repo: 'big', revision: 'v1', is_downloaded: false, files_done: 1, files_failed: 1, local_path: '/nas/meta/big/v1', display_path: '/nas/meta/big/v1' }),
        ],
      }),
    });
    await renderSignedIn(<ModelsScreen />, fetch);
    expect(await screen.findByText('gpt2/tiny @ main')).toBeTruthy();
    expect(screen.getByText('downloaded')).toBeTruthy();
    expect(screen.getByText('failed')).toBeTruthy();
    expect(screen.getByText('/nas/meta/big/v1')).toBeTruthy();
  });

  it('shows an empty state', async () => {
    const { fetch } = fakeFetch({ 'GET /db/models': () => ({ status: 200, body: [] }) });
    await renderSignedIn(<ModelsScreen />, fetch);
    expect(await screen.findByText('No models yet.')).toBeTruthy();
  });
});
