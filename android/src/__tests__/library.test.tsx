import { describe, expect, it } from '@jest/globals';
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react-native';
import { useEffect } from 'react';
import { StyleSheet } from 'react-native';
import { memoryStore } from '../api/storage';
import { SessionProvider, useSession } from '../session';
import type { StorageRoot } from '@d011dl/contract';
import { ModelsScreen } from '../screens/ModelsScreen';
import { BASE, fakeFetch, loginOk } from '../test/fakeFetch';
import { fileFixture, MODEL, modelFixture, rootFixture } from '../test/fixtures';
import { renderSignedIn } from '../test/render';

const JOB = 'dddddddd-6c1a-4b8e-9d5e-1b2c3d4e5f60';
const NAME = 'gpt2/tiny @ main';

/** The API of My models: `admin` answers GET /auth/me; a delete empties the catalog. */
function api({ admin = true, roots = [rootFixture('default'), rootFixture('fast')] }: { admin?: boolean; roots?: StorageRoot[] } = {}) {
  let deleted = false;
  let fileGone = false;
  return fakeFetch({
    'GET /auth/me': () => ({ status: 200, body: { ...loginOk.user, is_admin: admin } }),
    'GET /storage': () => ({ status: 200, body: { roots } }),
    'GET /db/models': () => ({ status: 200, body: deleted ? [] : [modelFixture({ bytes_on_disk: 1_234_000_000, display_path: '/media/models/gpt2/tiny/main' })] }),
    [`GET /db/models/${MODEL}/files`]: () => ({ status: 200, body: { files: fileGone ? [fileFixture('config.json')] : [fileFixture('config.json'), fileFixture('model.bin', { linked_from: 'v1' })] } }),
    [`DELETE /db/models/${MODEL}`]: () => {
      deleted = true;
      return { status: 200, body: { deleted_files: 2, freed_bytes: 1_234_000_000 } };
    },
    [`DELETE /db/models/${MODEL}/files`]: () => {
      fileGone = true;
      return { status: 200, body: { deleted_files: 1, freed_bytes: 1000 } };
    },
    [`POST /db/models/${MODEL}/move`]: () => ({ status: 202, body: { download_id: JOB, model_id: MODEL, status: 'queued' } }),
    [`POST /db/models/${MODEL}/copy`]: () => ({ status: 202, body: { download_id: JOB, model_id: 'eeeeeeee-6c1a-4b8e-9d5e-1b2c3d4e5f60', status: 'queued' } }),
    'POST /db/import': () => ({
      status: 200,
      body: {
        imports: [{ author: 'acme', repo: 'old', revision: 'main', download_id: JOB, model_id: 'ffffffff-6c1a-4b8e-9d5e-1b2c3d4e5f60' }],
        skipped: [{ path: 'junk/folder', reason: 'not an Author/Repo/Revision folder' }],
      },
    }),
  });
}

const button = (name: string) => screen.findByRole('button', { name });

describe('My models: library management', () => {
  it('each revision shows its storage root and size on disk', async () => {
    await renderSignedIn(<ModelsScreen />, api().fetch);
    const row = within(await screen.findByTestId(`model-${MODEL}`));
    expect(row.getByText('Storage root: default')).toBeTruthy();
    expect(row.getByText(/1\.23 GB on disk/)).toBeTruthy();
  });

  it('delete asks first, naming the size and the path, then says what was freed', async () => {
    const { fetch, calls } = api();
    await renderSignedIn(<ModelsScreen />, fetch);
    await fireEvent.press(await button(`Delete ${NAME}`));
    expect(screen.getByTestId(`confirm-delete-${MODEL}`)).toHaveTextContent(
      'Delete gpt2/tiny @ main from the server? This removes 1.23 GB in /media/models/gpt2/tiny/main. It cannot be undone.',
      { exact: false },
    );
    expect(calls.some((c) => c.method === 'DELETE')).toBe(false);
    await fireEvent.press(screen.getByRole('button', { name: 'Delete 1.23 GB' }));
    expect(await screen.findByTestId('models-note')).toHaveTextContent('gpt2/tiny @ main: Deleted 2 files, 1.23 GB freed.');
    expect(calls.filter((c) => c.method === 'DELETE').map((c) => c.url.pathname)).toEqual([`/db/models/${MODEL}`]);
    expect(await screen.findByText('No models yet.')).toBeTruthy();
  });

  it('a refusal is said in the question, in the API\'s words', async () => {
    const { fetch: base } = api();
    const busy = { statusCode: 409, error: 'Conflict', message: 'gpt2/tiny @ main is being written by a running job; pause it first' };
    const fetch = ((input: RequestInfo | URL, init?: RequestInit) =>
      init?.method === 'DELETE' ? Promise.resolve(new Response(JSON.stringify(busy), { status: 409 })) : base(input, init)) as typeof globalThis.fetch;
    await renderSignedIn(<ModelsScreen />, fetch);
    await fireEvent.press(await button(`Delete ${NAME}`));
    await fireEvent.press(screen.getByRole('button', { name: 'Delete 1.23 GB' }));
    const ask = within(screen.getByTestId(`confirm-delete-${MODEL}`));
    expect(await ask.findByText('gpt2/tiny @ main is being written by a running job; pause it first')).toBeTruthy();
    expect(screen.getByText('Storage root: default')).toBeTruthy(); // still listed
  });

  it('cancel leaves the revision alone', async () => {
    const { fetch, calls } = api();
    await renderSignedIn(<ModelsScreen />, fetch);
    await fireEvent.press(await button(`Delete ${NAME}`));
    await fireEvent.press(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByTestId(`confirm-delete-${MODEL}`)).toBeNull();
    expect(calls.some((c) => c.method === 'DELETE')).toBe(false);
  });

  it('the file list: a linked file says so, one file is deleted after a question', async () => {
    const { fetch, calls } = api();
    await renderSignedIn(<ModelsScreen />, fetch);
    await fireEvent.press(await button(`Files of ${NAME}`));
    const list = within(await screen.findByTestId(`model-files-${MODEL}`));
    expect(list.getByText('linked from v1')).toBeTruthy();
    await fireEvent.press(list.getByRole('button', { name: 'Delete model.bin' }));
    expect(screen.getByTestId('confirm-delete-file-bbbbbbbb-6c1a-4b8e-9d5e-1b2c3d4e5f60')).toHaveTextContent('Delete model.bin (1 kB) from /media/models/gpt2/tiny/main? It cannot be undone.', { exact: false });
    await fireEvent.press(screen.getByRole('button', { name: 'Delete 1 kB' }));
    expect(await screen.findByText('model.bin: Deleted 1 file, 1 kB freed.')).toBeTruthy();
    const del = calls.find((c) => c.method === 'DELETE')!;
    expect([del.url.pathname, del.body]).toEqual([`/db/models/${MODEL}/files`, { paths: ['model.bin'] }]);
    await waitFor(() => expect(screen.queryByText('model.bin')).toBeNull());
  });

  it('move to another root posts {to} and points to Jobs', async () => {
    const { fetch, calls } = api();
    await renderSignedIn(<ModelsScreen />, fetch);
    await fireEvent.press(await button(`Move ${NAME} to another storage root`));
    const panel = within(screen.getByTestId(`move-${MODEL}`));
    // the revision's own root is not offered; the only other one is chosen already
    expect(panel.queryByRole('radio', { name: 'default' })).toBeNull();
    expect(panel.getByRole('radio', { name: 'fast' })).toBeChecked();
    await fireEvent.press(panel.getByRole('button', { name: 'Move to fast' }));
    expect(await screen.findByText('Moving gpt2/tiny @ main to fast: follow it under Jobs.')).toBeTruthy();
    const post = calls.find((c) => c.method === 'POST')!;
    expect([post.url.pathname, post.body]).toEqual([`/db/models/${MODEL}/move`, { to: 'fast' }]);
  });

  it('copy: the picker lists the other roots, a root that is down cannot be chosen', async () => {
    const roots = [rootFixture('default'), rootFixture('fast'), rootFixture('nas', { ok: false, problem: 'storage not mounted: /srv/nas' })];
    const { fetch, calls } = api({ admin: false, roots });
    await renderSignedIn(<ModelsScreen />, fetch);
    await fireEvent.press(await button(`Copy ${NAME} to another storage root`));
    const panel = within(screen.getByTestId(`copy-${MODEL}`));
    expect(panel.getByRole('radio', { name: 'nas' })).toBeDisabled();
    expect(panel.getByText('storage not mounted: /srv/nas')).toBeTruthy();
    await fireEvent.press(panel.getByRole('radio', { name: 'nas' }));
    await fireEvent.press(panel.getByRole('button', { name: 'Copy to fast' }));
    expect(await screen.findByText('Copying gpt2/tiny @ main to fast: follow it under Jobs.')).toBeTruthy();
    const post = calls.find((c) => c.method === 'POST')!;
    expect([post.url.pathname, post.body]).toEqual([`/db/models/${MODEL}/copy`, { to: 'fast' }]);
  });

  it('copy to a chosen root of several', async () => {
    const { fetch, calls } = api({ roots: [rootFixture('default'), rootFixture('fast'), rootFixture('nas')] });
    await renderSignedIn(<ModelsScreen />, fetch);
    await fireEvent.press(await button(`Copy ${NAME} to another storage root`));
    await fireEvent.press(screen.getByRole('radio', { name: 'nas' }));
    await fireEvent.press(screen.getByRole('button', { name: 'Copy to nas' }));
    await waitFor(() => expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ to: 'nas' }));
  });

  it('import from disk (administrators): choose the root, see what was queued and skipped', async () => {
    const { fetch, calls } = api({ roots: [rootFixture('default'), rootFixture('nas')] });
    await renderSignedIn(<ModelsScreen />, fetch);
    await fireEvent.press(await button('Import from disk'));
    expect(screen.getByRole('radio', { name: 'default' })).toBeChecked();
    await fireEvent.press(screen.getByRole('radio', { name: 'nas' }));
    await fireEvent.press(screen.getByRole('button', { name: 'Import from nas' }));
    const result = within(await screen.findByTestId('import-result'));
    expect(result.getByText('Queued 1 import: follow them under Jobs. Skipped 1.')).toBeTruthy();
    expect(result.getByText('Queued: acme/old @ main')).toBeTruthy();
    expect(result.getByText('Skipped: junk/folder — not an Author/Repo/Revision folder')).toBeTruthy();
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({ storage: 'nas' });
  });

  it('not an administrator: no Delete, Move or Import; Copy and the file list stay', async () => {
    const { fetch } = api({ admin: false });
    await renderSignedIn(<ModelsScreen />, fetch);
    expect(await button(`Copy ${NAME} to another storage root`)).toBeTruthy();
    await fireEvent.press(screen.getByRole('button', { name: `Files of ${NAME}` }));
    await screen.findByTestId(`model-files-${MODEL}`);
    expect(screen.queryByRole('button', { name: `Delete ${NAME}` })).toBeNull();
    expect(screen.queryByRole('button', { name: `Move ${NAME} to another storage root` })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Import from disk' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Delete model.bin' })).toBeNull();
  });

  it('one storage root: no Copy or Move', async () => {
    const { fetch, calls } = api({ roots: [rootFixture('default')] });
    await renderSignedIn(<ModelsScreen />, fetch);
    expect(await button(`Delete ${NAME}`)).toBeTruthy();
    await waitFor(() => expect(calls.some((c) => c.url.pathname === '/storage')).toBe(true));
    await act(async () => {}); // its answer applied
    expect(screen.queryByRole('button', { name: `Copy ${NAME} to another storage root` })).toBeNull();
    expect(screen.queryByRole('button', { name: `Move ${NAME} to another storage root` })).toBeNull();
  });

  it('the new actions and choices are at least 48 dp tall', async () => {
    await renderSignedIn(<ModelsScreen />, api().fetch);
    await fireEvent.press(await button(`Move ${NAME} to another storage root`));
    await fireEvent.press(screen.getByRole('button', { name: `Files of ${NAME}` }));
    await screen.findByTestId(`model-files-${MODEL}`);
    const targets = [
      ...['Copy', 'Move'].map((v) => screen.getByRole('button', { name: `${v} ${NAME} to another storage root` })),
      screen.getByRole('button', { name: `Delete ${NAME}` }),
      screen.getByRole('button', { name: 'Delete model.bin' }),
      screen.getByRole('radio', { name: 'fast' }),
      screen.getByRole('button', { name: 'Move to fast' }),
      screen.getByRole('button', { name: 'Import from disk' }),
    ];
    for (const el of targets) expect(StyleSheet.flatten(el.props.style).minHeight).toBeGreaterThanOrEqual(48);
  });

  it('an administrator who just signed in is known from the sign-in answer (no GET /auth/me)', async () => {
    const { fetch, calls } = fakeFetch({
      'POST /auth/login': () => ({ status: 200, body: { ...loginOk, user: { ...loginOk.user, is_admin: true } } }),
      'GET /storage': () => ({ status: 200, body: { roots: [rootFixture('default')] } }),
      'GET /db/models': () => ({ status: 200, body: [modelFixture()] }),
    });
    function SignInThenModels() {
      const { signIn, signedIn } = useSession();
      useEffect(() => {
        void signIn(BASE, 'alice', 'secret-pw');
        // eslint-disable-next-line react-hooks/exhaustive-deps
      }, []);
      return signedIn ? <ModelsScreen /> : null;
    }
    await render(
      <SessionProvider store={memoryStore()} fetchImpl={fetch}>
        <SignInThenModels />
      </SessionProvider>,
    );
    expect(await button(`Delete ${NAME}`)).toBeTruthy();
    expect(calls.some((c) => c.url.pathname === '/auth/me')).toBe(false);
  });
});
