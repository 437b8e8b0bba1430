import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react-native';
import type { DownloadFile } from '@d011dl/contract';
import { formatDuration } from '@d011dl/contract';
import { describeFiles, fileState, logTail, shortName } from '@d011dl/contract';
import { JobScreen } from '../screens/JobScreen';
import { JOBS_POLL_MS, JobsScreen } from '../screens/JobsScreen';
import { fakeFetch } from '../test/fakeFetch';
import { ID, jobFixture } from '../test/fixtures';
import { renderSignedIn } from '../test/render';

const ID2 = '22222222-2222-4333-8444-555555555555';
const ID3 = '33333333-2222-4333-8444-555555555555';
const f = (path: string, status: DownloadFile['status'], bytes_done = 0, size_bytes = 1000): DownloadFile => ({ path, size_bytes, bytes_done, status, error: null });

describe('what a job holds', () => {
  it('names quantizations, root files and folders', () => {
    expect(describeFiles(['model-Q4_K_M.gguf', 'README.md'])).toBe('Q4_K_M + README');
    expect(describeFiles(['fp16/a.safetensors', 'fp16/b.safetensors'])).toBe('fp16/ (2 files)');
    expect(describeFiles(['x.IQ3_XS.gguf', 'onnx/model.onnx', 'config.json', 'tokenizer.json', 'vocab.txt'])).toBe('IQ3_XS + onnx/ (1 file) + config + 2 more');
    expect(describeFiles([])).toBe('no files');
    expect(shortName('weights/llama-bf16.gguf')).toBe('BF16');
    expect(shortName('Makefile')).toBe('Makefile');
  });

  it('a canceled or failed job\'s unfinished files are paused', () => {
    expect(fileState(f('a', 'downloading'), { status: 'canceled' })).toBe('paused');
    expect(fileState(f('a', 'pending'), { status: 'failed' })).toBe('paused');
    expect(fileState(f('a', 'done'), { status: 'canceled' })).toBe('done');
    expect(fileState(f('a', 'pending'), { status: 'running' })).toBe('queued');
    expect(fileState(f('a', 'downloading'), { status: 'running' })).toBe('downloading');
  });

  it('durations and the log tail', () => {
    expect(formatDuration(45)).toBe('45 s');
    expect(formatDuration(200)).toBe('3 min 20 s');
    expect(formatDuration(7500)).toBe('2 h 5 min');
    expect(logTail(Array.from({ length: 30 }, (_, i) => `line ${i}`).join('\n') + '\n', 3)).toBe('line 27\nline 28\nline 29');
  });
});

describe('JobsScreen', () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  function api() {
    let list = [
      jobFixture({ id: ID, status: 'running', progress_pct: 40, speed_bps: 4_000_000, eta_s: 90 }),
      jobFixture({ id: ID2, status: 'failed', progress_pct: 10, error: 'boom' }),
      jobFixture({ id: ID3, status: 'succeeded', progress_pct: 100, repo: 'done-repo' }),
    ];
    const files: Record<string, DownloadFile[]> = {
      [ID]: [f('model-Q4_K_M.gguf', 'downloading', 400), f('README.md', 'done', 1000)],
      [ID2]: [f('fp16/a.bin', 'failed'), f('fp16/b.bin', 'pending')],
      [ID3]: [f('config.json', 'done', 1000)],
    };
    const r = fakeFetch({
      'GET /downloads': () => ({ status: 200, body: { downloads: list } }),
      [`GET /downloads/${ID}/files`]: () => ({ status: 200, body: { files: files[ID] } }),
      [`GET /downloads/${ID2}/files`]: () => ({ status: 200, body: { files: files[ID2] } }),
      [`GET /downloads/${ID3}/files`]: () => ({ status: 200, body: { files: files[ID3] } }),
      [`POST /downloads/${ID}/cancel`]: () => ({ status: 200, body: jobFixture({ id: ID, status: 'canceled' }) }),
      [`POST /downloads/${ID2}/retry`]: () => ({ status: 200, body: jobFixture({ id: ID2, status: 'queued' }) }),
    });
    return { ...r, setList: (l: typeof list) => (list = l) };
  }

  it('lists each job with what it holds, status, %, speed and ETA, and refreshes every 2 s', async () => {
    const { fetch, calls, setList } = api();
    await renderSignedIn(<JobsScreen onOpen={() => {}} />, fetch);
    const running = within(await screen.findByTestId(`job-${ID}`));
    expect(await running.findByText('Q4_K_M + README')).toBeTruthy();
    expect(running.getByText(/running · 40\.0% · 1 MB \/ 2 MB · 4 MB\/s · ETA 1 min 30 s/)).toBeTruthy();
    expect(await within(screen.getByTestId(`job-${ID2}`)).findByText('fp16/ (2 files)')).toBeTruthy();
    expect(within(screen.getByTestId(`job-${ID2}`)).getByText('boom')).toBeTruthy(); // why it failed
    expect(screen.getByText('Running (1)')).toBeTruthy();

    setList([jobFixture({ id: ID, status: 'running', progress_pct: 75, speed_bps: 4_000_000, eta_s: 30 })]);
    await act(async () => {
      jest.advanceTimersByTime(JOBS_POLL_MS);
    });
    expect(await screen.findByText(/running · 75\.0%/)).toBeTruthy();
    expect(screen.queryByTestId(`job-${ID2}`)).toBeNull();
    // the file list is asked once per job, not on every refresh
    expect(calls.filter((c) => c.url.pathname === `/downloads/${ID}/files`)).toHaveLength(1);
  });

  it('filters running, failed and done', async () => {
    const { fetch } = api();
    await renderSignedIn(<JobsScreen onOpen={() => {}} />, fetch);
    await screen.findByTestId(`job-${ID}`);
    await fireEvent.press(screen.getByRole('button', { name: 'Failed (1)' }));
    expect(screen.getByTestId(`job-${ID2}`)).toBeTruthy();
    expect(screen.queryByTestId(`job-${ID}`)).toBeNull();
    await fireEvent.press(screen.getByRole('button', { name: 'Done (1)' }));
    expect(screen.getByTestId(`job-${ID3}`)).toBeTruthy();
    expect(screen.queryByTestId(`job-${ID2}`)).toBeNull();
  });

  it('pauses and retries inline, and opens a job', async () => {
    const { fetch, calls } = api();
    const onOpen = jest.fn();
    await renderSignedIn(<JobsScreen onOpen={onOpen} />, fetch);
    await screen.findByTestId(`job-${ID}`);
    await fireEvent.press(screen.getByRole('button', { name: 'Pause gpt2/tiny @ main' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST' && c.url.pathname === `/downloads/${ID}/cancel`)).toBe(true));
    await fireEvent.press(within(screen.getByTestId(`job-${ID2}`)).getByRole('button', { name: /^Retry/ }));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST' && c.url.pathname === `/downloads/${ID2}/retry`)).toBe(true));
    await fireEvent.press(within(screen.getByTestId(`job-${ID3}`)).getByRole('link'));
    expect(onOpen).toHaveBeenCalledWith(ID3);
    expect(within(screen.getByTestId(`job-${ID3}`)).queryByRole('button')).toBeNull();
  });

  it('stops polling when not active', async () => {
    const { fetch, calls } = api();
    await renderSignedIn(<JobsScreen active={false} onOpen={() => {}} />, fetch);
    await act(async () => {
      jest.advanceTimersByTime(JOBS_POLL_MS * 3);
    });
    expect(calls.filter((c) => c.url.pathname === '/downloads')).toHaveLength(0);
  });
});

describe('JobScreen details', () => {
  it('shows per-file bytes and states, times, the log tail; paused after cancel', async () => {
    const { fetch } = fakeFetch({
      [`GET /downloads/${ID}`]: () => ({
        status: 200,
        body: jobFixture({ status: 'canceled', started_at: '2026-01-01T10:00:00Z', finished_at: '2026-01-01T10:03:20Z', bytes_done: 1_000_000, log: 'start\nfetching model.bin\ncanceled by alice\n' }),
      }),
      [`GET /downloads/${ID}/files`]: () => ({ status: 200, body: { files: [f('model.bin', 'downloading', 600_000, 1_000_000), f('README.md', 'done', 400_000, 400_000)] } }),
    });
    await renderSignedIn(<JobScreen id={ID} onModels={() => {}} />, fetch);
    expect(await screen.findByText(/PAUSED/)).toBeTruthy();
    expect(screen.getByTestId('file-model.bin')).toHaveTextContent(/paused 600 kB\/1 MB/);
    expect(screen.getByTestId('file-README.md')).toHaveTextContent(/done 400 kB\/400 kB/);
    expect(screen.getByTestId('times')).toHaveTextContent(/Elapsed 3 min 20 s · average 5 kB\/s · started \d{4}-\d\d-\d\d \d\d:\d\d · finished /);
    expect(screen.getByTestId('log')).toHaveTextContent(/canceled by alice/);
    expect(screen.getByTestId('kept')).toHaveTextContent('The downloaded parts are kept: Resume continues where the download stopped.');
    expect(screen.getByRole('button', { name: 'Resume' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Retry' })).toBeNull();
  });

  it('says how the bandwidth limit holds a running job back, and until when', async () => {
    const { fetch } = fakeFetch({
      [`GET /downloads/${ID}`]: () => ({ status: 200, body: jobFixture({ status: 'running', bytes_done: 1_000_000 }) }),
      [`GET /downloads/${ID}/files`]: () => ({ status: 200, body: { files: [f('model.bin', 'downloading', 600_000, 1_000_000)] } }),
      'GET /bandwidth': () => ({ status: 200, body: { limit_bps: 20_000_000, until: '2026-01-02T00:00:00Z', until_time: '00:00', next_limit_bps: 0, source: 'setting' } }),
    });
    await renderSignedIn(<JobScreen id={ID} onModels={() => {}} />, fetch);
    expect(await screen.findByTestId('bandwidth')).toHaveTextContent('Downloads limited to 20 MB/s until 00:00, then unlimited');
  });
});
