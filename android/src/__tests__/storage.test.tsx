import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { fireEvent, screen, waitFor, within } from '@testing-library/react-native';
import { BrowseScreen } from '../screens/BrowseScreen';
import { JobScreen } from '../screens/JobScreen';
import { JobsScreen } from '../screens/JobsScreen';
import { StorageScreen } from '../screens/StorageScreen';
import { fakeFetch } from '../test/fakeFetch';
import { ID, jobFixture, MODEL, rootFixture } from '../test/fixtures';
import { renderSignedIn } from '../test/render';

const ID2 = '22222222-2222-4333-8444-555555555555';
const ID3 = '33333333-2222-4333-8444-555555555555';

describe('Disk usage', () => {
  it('per root: total, free, reserve, used by D011DL, the largest revisions; a root that is down says why', async () => {
    const roots = [
      rootFixture('default', {
        display_path: '/media/models',
        used_bytes: 7_500_000_000,
        models: 2,
        largest: [
          { id: MODEL, author: 'meta', repo: 'big', revision: 'v1', bytes_on_disk: 7_000_000_000 },
          { id: ID, author: 'gpt2', repo: 'tiny', revision: 'main', bytes_on_disk: 500_000_000 },
        ],
      }),
      rootFixture('fast', { ok: false, problem: 'storage not mounted: /mnt/ssd (the mount marker .d011dl-storage is missing)', total_bytes: null, free_bytes: null }),
    ];
    await renderSignedIn(<StorageScreen />, fakeFetch({ 'GET /storage': () => ({ status: 200, body: { roots } }) }).fetch);
    const def = within(await screen.findByTestId('root-default'));
    expect(def.getByText('default (default)')).toBeTruthy();
    expect(def.getByText('/media/models')).toBeTruthy();
    expect(def.getByLabelText('Total: 1 TB')).toBeTruthy();
    expect(def.getByLabelText('Free: 400 GB')).toBeTruthy();
    expect(def.getByLabelText('Kept free (reserve): 1 GB')).toBeTruthy();
    expect(def.getByLabelText('Used by D011DL: 7.5 GB in 2 revisions')).toBeTruthy();
    expect(def.getByText('meta/big @ v1')).toBeTruthy();
    expect(def.getByText('7 GB')).toBeTruthy();
    expect(def.queryByRole('alert')).toBeNull();

    const fast = within(screen.getByTestId('root-fast'));
    expect(fast.getByRole('alert')).toHaveTextContent('storage not mounted: /mnt/ssd (the mount marker .d011dl-storage is missing)');
    expect(fast.getByLabelText('Free: unknown')).toBeTruthy();
  });

  it('says when free space is down to the reserve', async () => {
    const roots = [rootFixture('default', { free_bytes: 900_000_000 })];
    await renderSignedIn(<StorageScreen />, fakeFetch({ 'GET /storage': () => ({ status: 200, body: { roots } }) }).fetch);
    expect(await screen.findByText('Free space is at the reserve: downloads to this root are refused.')).toBeTruthy();
  });

  it('an error in words when the server cannot say', async () => {
    const { fetch } = fakeFetch({ 'GET /storage': () => ({ status: 500, body: { statusCode: 500, error: 'InternalServerError', message: 'Something went wrong' } }) });
    await renderSignedIn(<StorageScreen />, fetch);
    expect(await screen.findByRole('alert')).toHaveTextContent('Something went wrong');
  });
});

describe('Jobs of the library', () => {
  // the list polls every 2 s: on fake timers no poll lands after the assertions on a slow machine
  beforeEach(() => {
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('copy, move and import jobs say what they are; a download stays as it was', async () => {
    const list = [
      jobFixture({ id: ID, kind: 'copy', storage: 'fast' }),
      jobFixture({ id: ID2, kind: 'import', status: 'succeeded', progress_pct: 100 }),
      jobFixture({ id: ID3, kind: 'move', storage: 'nas' }),
    ];
    const files = { status: 200, body: { files: [] } };
    const { fetch } = fakeFetch({
      'GET /downloads': () => ({ status: 200, body: { downloads: [...list, jobFixture({ id: MODEL })] } }),
      [`GET /downloads/${ID}/files`]: () => files,
      [`GET /downloads/${ID2}/files`]: () => files,
      [`GET /downloads/${ID3}/files`]: () => files,
      [`GET /downloads/${MODEL}/files`]: () => files,
    });
    await renderSignedIn(<JobsScreen onOpen={() => {}} />, fetch);
    expect(within(await screen.findByTestId(`job-${ID}`)).getByText('Copy to fast')).toBeTruthy();
    expect(within(screen.getByTestId(`job-${ID2}`)).getByText('Import')).toBeTruthy();
    expect(within(screen.getByTestId(`job-${ID3}`)).getByText('Move to nas')).toBeTruthy();
    expect(screen.getByRole('link', { name: /^Copy to fast: gpt2\/tiny @ main, / })).toBeTruthy();
    expect(screen.getByRole('link', { name: /^gpt2\/tiny @ main, / })).toBeTruthy(); // the download
    await waitFor(() => expect(screen.getAllByText('no files')).toHaveLength(4)); // every row's file list is in
  });
});

describe('A library job', () => {
  it('the job screen names its kind', async () => {
    const { fetch } = fakeFetch({
      [`GET /downloads/${ID}`]: () => ({ status: 200, body: jobFixture({ kind: 'copy', storage: 'fast', status: 'succeeded', progress_pct: 100 }) }),
      [`GET /downloads/${ID}/files`]: () => ({ status: 200, body: { files: [] } }),
    });
    await renderSignedIn(<JobScreen id={ID} onModels={() => {}} />, fetch);
    expect(await screen.findByTestId('kind')).toHaveTextContent('Copy to fast');
  });
});

describe('Browse with several storage roots', () => {
  const tree = { files: [{ path: 'model.safetensors', type: 'file', size_bytes: 2_000_000, oid: '2' }], next_cursor: null };
  const routes = (roots: unknown[]) =>
    fakeFetch({
      'GET /hf/refs': () => ({ status: 200, body: { branches: ['main'], tags: [], refs: [{ name: 'main', kind: 'branch', ref: 'refs/heads/main', commit: 'a' }] } }),
      'GET /hf/tree': () => ({ status: 200, body: tree }),
      'GET /storage': () => ({ status: 200, body: { roots } }),
      'POST /downloads': () => ({ status: 202, body: { download_id: ID, status: 'queued', commit_sha: 'a', files_total: 1, bytes_total: 2_000_000 } }),
    });

  it('the download asks which root, the default one chosen first, and posts `storage`', async () => {
    const { fetch, calls } = routes([rootFixture('default'), rootFixture('fast', { display_path: '/mnt/ssd' }), rootFixture('nas', { ok: false, problem: 'storage is read-only: /srv/nas' })]);
    const onStarted = jest.fn();
    await renderSignedIn(<BrowseScreen author="gpt2" repo="tiny" onStarted={onStarted} />, fetch);
    await fireEvent.press(await screen.findByRole('checkbox', { name: 'model.safetensors' }));
    await fireEvent.press(screen.getByRole('button', { name: 'Download selected' }));
    const ask = within(await screen.findByTestId('confirm-root'));
    expect(ask.getByText('Download 2 MB (1 file) to which storage root?')).toBeTruthy();
    expect(ask.getByRole('radio', { name: 'default' })).toBeChecked();
    expect(ask.getByRole('radio', { name: 'nas' })).toBeDisabled();
    expect(ask.getByText('/mnt/ssd · 400 GB free')).toBeTruthy();
    expect(calls.some((c) => c.method === 'POST')).toBe(false);
    await fireEvent.press(ask.getByRole('radio', { name: 'fast' }));
    await fireEvent.press(ask.getByRole('button', { name: 'Download 2 MB to fast' }));
    await waitFor(() => expect(onStarted).toHaveBeenCalledWith(ID));
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({ author: 'gpt2', repo: 'tiny', revision: 'main', selection: [{ path: 'model.safetensors', type: 'file' }], storage: 'fast' });
  });

  it('one root: no question, no `storage`', async () => {
    const { fetch, calls } = routes([rootFixture('default')]);
    const onStarted = jest.fn();
    await renderSignedIn(<BrowseScreen author="gpt2" repo="tiny" onStarted={onStarted} />, fetch);
    await fireEvent.press(await screen.findByRole('checkbox', { name: 'model.safetensors' }));
    await fireEvent.press(screen.getByRole('button', { name: 'Download selected' }));
    await waitFor(() => expect(onStarted).toHaveBeenCalledWith(ID));
    expect(calls.map((c) => `${c.method} ${c.url.pathname}`).filter((c) => !c.includes('/hf/'))).toEqual(['GET /storage', 'POST /downloads']); // asked at Download
    expect(calls.find((c) => c.method === 'POST')!.body).not.toHaveProperty('storage');
  });
});
