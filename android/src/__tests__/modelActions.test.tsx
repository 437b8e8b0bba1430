import { describe, expect, it } from '@jest/globals';
import { fireEvent, screen, waitFor, within } from '@testing-library/react-native';
import { StyleSheet } from 'react-native';
import { ModelsScreen } from '../screens/ModelsScreen';
import { fakeFetch } from '../test/fakeFetch';
import { fileFixture, MODEL, modelFixture } from '../test/fixtures';
import { renderSignedIn } from '../test/render';

const model = modelFixture();

function api() {
  let missing = false;
  return fakeFetch({
    'GET /db/models': () => ({ status: 200, body: [{ ...model, is_downloaded: !missing, files_done: missing ? 1 : 2 }] }),
    [`GET /db/models/${MODEL}/files`]: () => ({
      status: 200,
      body: { files: [fileFixture('config.json'), fileFixture('model.bin', { status: missing ? 'failed' : 'done' })] },
    }),
    'POST /downloads': () => ({ status: 202, body: { download_id: 'cccccccc-6c1a-4b8e-9d5e-1b2c3d4e5f60', status: 'queued', commit_sha: 'a'.repeat(40), files_total: 2, bytes_total: 2000 } }),
    'POST /db/rescan': () => {
      missing = true;
      return { status: 200, body: { files_checked: 2, present: 1, missing: 1, mismatched: 0 } };
    },
  });
}

describe('My models rows', () => {
  it('open the revision\'s file list', async () => {
    const { fetch } = api();
    await renderSignedIn(<ModelsScreen />, fetch);
    await fireEvent.press(await screen.findByRole('button', { name: 'Files of gpt2/tiny @ main' }));
    const list = within(await screen.findByTestId(`model-files-${MODEL}`));
    expect(list.getByText('model.bin')).toBeTruthy();
    expect(list.getAllByText('done · 1 kB')).toHaveLength(2);
    await fireEvent.press(screen.getByRole('button', { name: 'Files of gpt2/tiny @ main' }));
    expect(screen.queryByTestId(`model-files-${MODEL}`)).toBeNull();
  });

  it('rescan the disk, say what it found and reload', async () => {
    const { fetch, calls } = api();
    await renderSignedIn(<ModelsScreen />, fetch);
    await fireEvent.press(await screen.findByRole('button', { name: 'Rescan gpt2/tiny @ main' }));
    expect(await screen.findByText('Rescanned 2 files: 1 on disk, 1 missing.')).toBeTruthy();
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({ model_id: MODEL });
    await waitFor(() => expect(screen.getByText('partial')).toBeTruthy());
    expect(screen.getByText(/^1\/2 files/)).toBeTruthy();
  });

  it('verify and re-download: every tracked file again, with force', async () => {
    const { fetch, calls } = api();
    await renderSignedIn(<ModelsScreen />, fetch);
    await fireEvent.press(await screen.findByRole('button', { name: 'Verify and re-download gpt2/tiny @ main' }));
    expect(await screen.findByText('Verifying 2 files: follow it under Jobs.')).toBeTruthy();
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({
      author: 'gpt2', repo: 'tiny', revision: 'main', force: true,
      selection: [{ path: 'config.json', type: 'file' }, { path: 'model.bin', type: 'file' }],
    });
  });

  it('rows and their actions are at least 48 dp tall', async () => {
    const { fetch } = api();
    await renderSignedIn(<ModelsScreen />, fetch);
    const row = await screen.findByTestId(`model-${MODEL}`);
    expect(StyleSheet.flatten(row.props.style).minHeight).toBeGreaterThanOrEqual(48);
    for (const name of ['Files of gpt2/tiny @ main', 'Rescan gpt2/tiny @ main', 'Verify and re-download gpt2/tiny @ main']) {
      expect(StyleSheet.flatten(screen.getByRole('button', { name }).props.style).minHeight).toBeGreaterThanOrEqual(48);
    }
  });
});
