import { describe, expect, it } from '@jest/globals';
import { fireEvent, screen, within } from '@testing-library/react-native';
import { ModelsScreen } from '../screens/ModelsScreen';
import { BASE, fakeFetch } from '../test/fakeFetch';
import type { Model } from '@d011dl/contract';
import { MODEL, modelFixture } from '../test/fixtures';
import { renderSignedIn } from '../test/render';

const model = (repo: string, revision: string, over: Partial<Model> = {}) =>
  modelFixture({ author: 'acme', repo, revision, commit_sha: 'a'.repeat(40), local_path: '/nas/x', display_path: '/nas/x', ...over });

describe('"Use it" on a downloaded revision', () => {
  it('shows the mirror one-liners with this server\'s address', async () => {
    const { fetch } = fakeFetch({ 'GET /db/models': () => ({ status: 200, body: [model('tiny-model', 'v1.0')] }) });
    await renderSignedIn(<ModelsScreen />, fetch);
    await fireEvent.press(await screen.findByRole('button', { name: 'Use acme/tiny-model @ v1.0 from another machine' }));
    const box = within(await screen.findByTestId(`use-it-${MODEL}`));
    expect(box.getByText(`HF_ENDPOINT=${BASE}/mirror HF_TOKEN=<token> hf download acme/tiny-model --revision v1.0`)).toBeTruthy();
    expect(box.getByText(/from transformers import AutoModel/)).toBeTruthy();
    expect(box.queryByText(/llama-server/)).toBeNull();
  });

  it('offers llama-server for a GGUF repo on main', async () => {
    const { fetch } = fakeFetch({ 'GET /db/models': () => ({ status: 200, body: [model('Demo-GGUF', 'main')] }) });
    await renderSignedIn(<ModelsScreen />, fetch);
    await fireEvent.press(await screen.findByRole('button', { name: 'Use acme/Demo-GGUF @ main from another machine' }));
    expect(within(await screen.findByTestId(`use-it-${MODEL}`)).getByText(`HF_ENDPOINT=${BASE}/mirror HF_TOKEN=<token> llama-server -hf acme/Demo-GGUF`)).toBeTruthy();
  });

  it('is not offered before a file is done', async () => {
    const { fetch } = fakeFetch({ 'GET /db/models': () => ({ status: 200, body: [model('tiny-model', 'main', { files_done: 0, is_downloaded: false, commit_sha: null })] }) });
    await renderSignedIn(<ModelsScreen />, fetch);
    await screen.findByText('acme/tiny-model @ main');
    expect(screen.queryByRole('button', { name: /^Use acme/ })).toBeNull();
  });
});
