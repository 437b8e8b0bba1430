import { describe, expect, it, jest } from '@jest/globals';
import { fireEvent, screen, waitFor } from '@testing-library/react-native';
import type { TreeEntry } from '@d011dl/contract';
import { BrowseScreen } from '../screens/BrowseScreen';
import { fakeFetch } from '../test/fakeFetch';
import { ID } from '../test/fixtures';
import { renderSignedIn } from '../test/render';

const refs = {
  branches: ['main', 'W4A16'],
  tags: ['v1.0'],
  refs: [
    { name: 'main', kind: 'branch', ref: 'refs/heads/main', commit: 'a'.repeat(40) },
    { name: 'W4A16', kind: 'branch', ref: 'refs/heads/W4A16', commit: 'b'.repeat(40) },
    { name: 'v1.0', kind: 'tag', ref: 'refs/tags/v1.0', commit: 'c'.repeat(40) },
  ],
};
const files: TreeEntry[] = [
  { path: 'config.json', type: 'file', size_bytes: 500, oid: 'x' },
  { path: 'model.safetensors', type: 'file', size_bytes: 5_000, oid: 'y' },
];
const OTHER = '22222222-2222-4333-8444-555555555555';

function api(answer: 'queued' | 'already') {
  return fakeFetch({
    'GET /hf/refs': () => ({ status: 200, body: refs }),
    'GET /hf/tree': () => ({ status: 200, body: { files, next_cursor: null } }),
    'POST /downloads/batch': (r) => {
      const revisions = (r.body as { revisions: string[] }).revisions;
      const downloads = revisions.map((revision, i) =>
        answer === 'queued'
          ? { revision, download_id: i ? OTHER : ID, status: 'queued', commit_sha: 'a'.repeat(40), message: null }
          : { revision, download_id: null, status: 'already_downloaded', commit_sha: null, message: `${revision}: already downloaded` },
      );
      return { status: 202, body: { downloads } };
    },
  });
}

describe('Browse: the same selection at other revisions (batch)', () => {
  it('offers the other branches and tags, and queues one job per revision', async () => {
    const { fetch, calls } = api('queued');
    const started = jest.fn();
    await renderSignedIn(<BrowseScreen author="acme" repo="quants" onStarted={started} />, fetch);
    await fireEvent.press(await screen.findByRole('button', { name: /Also at other revisions \(2\)/ }));
    expect(screen.queryByRole('checkbox', { name: 'Also download at main' })).toBeNull();
    await fireEvent.press(screen.getByRole('checkbox', { name: 'Also download at W4A16' }));
    expect(await screen.findByText(/Also at other revisions \(1 chosen\)/)).toBeTruthy();
    await fireEvent.press(screen.getByText('☐ config.json'));
    await fireEvent.press(screen.getByRole('button', { name: 'Download selected' }));
    await waitFor(() => expect(started).toHaveBeenCalledWith(ID));
    const batch = calls.find((c) => c.url.pathname.endsWith('/downloads/batch'))!;
    expect(batch.body).toEqual({ author: 'acme', repo: 'quants', revisions: ['main', 'W4A16'], selection: [{ path: 'config.json', type: 'file' }] });
    expect(calls.some((c) => c.method === 'POST' && c.url.pathname.endsWith('/downloads'))).toBe(false);
  });

  it('says so when every revision is already downloaded', async () => {
    const { fetch } = api('already');
    await renderSignedIn(<BrowseScreen author="acme" repo="quants" onStarted={() => {}} />, fetch);
    await fireEvent.press(await screen.findByRole('button', { name: /Also at other revisions/ }));
    await fireEvent.press(screen.getByRole('checkbox', { name: 'Also download at v1.0' }));
    await fireEvent.press(screen.getByRole('button', { name: 'Download whole repo' }));
    expect(await screen.findByText('Every selected file is already on the server.')).toBeTruthy();
  });
});
