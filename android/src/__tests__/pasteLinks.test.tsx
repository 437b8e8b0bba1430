import { describe, expect, it, jest } from '@jest/globals';
import { fireEvent, screen, waitFor } from '@testing-library/react-native';
import { PasteUrlScreen } from '../screens/PasteUrlScreen';
import { findHfUrl, sharedHfUrl } from '../share/sharedLink';
import { fakeFetch } from '../test/fakeFetch';
import { renderSignedIn } from '../test/render';

// What the API's /hf/parse-url answers for each form (api/test/parse-url.test.ts checks the API side
// against the hub simulator); here: the screen sends what was pasted and hands on all of it, `path` too.
const ANSWERS: Record<string, object> = {
  'acme/tiny-model': { author: 'acme', repo: 'tiny-model', kind: 'repo' },
  'huggingface.co/acme/tiny-model/tree/feature/x': { author: 'acme', repo: 'tiny-model', revision: 'feature/x', kind: 'tree' },
  'https://huggingface.co/acme/tiny-model/discussions/1': { author: 'acme', repo: 'tiny-model', revision: 'refs/pr/1', kind: 'tree' },
  'https://hf.co/acme/tiny-model/blob/feature/x/dir/feature-x.txt': { author: 'acme', repo: 'tiny-model', revision: 'feature/x', path: 'dir/feature-x.txt', kind: 'blob' },
  'https://huggingface.co/acme/tiny-model/tree/main/nested/deep': { author: 'acme', repo: 'tiny-model', revision: 'main', path: 'nested/deep', kind: 'tree' },
};

function api() {
  return fakeFetch({
    'POST /hf/parse-url': (r) => {
      const answer = ANSWERS[(r.body as { url: string }).url];
      return answer ? { status: 200, body: answer } : { status: 404, body: { statusCode: 404, error: 'RevisionNotFound', message: 'acme/tiny-model has no branch or tag "feature".' } };
    },
  });
}

// the first render of a file pays for loading the modules, slow on a loaded machine
jest.setTimeout(30_000);

async function paste(text: string) {
  const { fetch, calls } = api();
  const onParsed = jest.fn();
  await renderSignedIn(<PasteUrlScreen onParsed={onParsed} onModels={() => {}} onSignOut={() => {}} />, fetch);
  await fireEvent.changeText(await screen.findByTestId('hf-url'), text);
  await fireEvent.press(screen.getByRole('button', { name: 'Open' }));
  return { onParsed, calls };
}

describe('PasteUrlScreen accepts every way people name a model', () => {
  for (const [text, answer] of Object.entries(ANSWERS)) {
    it(text, async () => {
      const { onParsed, calls } = await paste(` ${text} `);
      await waitFor(() => expect(onParsed).toHaveBeenCalledWith(answer));
      expect(calls.map((c) => c.body)).toEqual([{ url: text }]);
    });
  }

  it('shows the server\'s words when the linked branch does not exist', async () => {
    const { onParsed } = await paste('https://huggingface.co/acme/tiny-model/tree/feature/y');
    expect(await screen.findByRole('alert')).toHaveTextContent('acme/tiny-model has no branch or tag "feature".');
    expect(onParsed).not.toHaveBeenCalled();
  });

  for (const [text, words] of [
    ['gpt2', 'it must name a repo, like author/repo'],
    ['https://huggingface.co/acme/tiny-model/tree/main/../../etc', '"." and ".." are not allowed'],
    ['https://huggingface.co/datasets/acme/data', 'datasets are not supported'],
  ] as const) {
    it(`refuses ${text} at once, without asking the server`, async () => {
      const { onParsed, calls } = await paste(text);
      expect(await screen.findByRole('alert')).toHaveTextContent(`Not a Hugging Face model link: ${words}`, { exact: false });
      expect(calls).toEqual([]);
      expect(onParsed).not.toHaveBeenCalled();
    });
  }

  it('leaves the host to the server (a self-hosted Hub endpoint is fine there)', async () => {
    const { calls } = await paste('http://hub.lan:8090/acme/tiny-model');
    await waitFor(() => expect(calls.map((c) => c.body)).toEqual([{ url: 'http://hub.lan:8090/acme/tiny-model' }]));
  });
});

describe('shared text', () => {
  it('a bare author/repo ("copy model name", then share)', () => {
    expect(sharedHfUrl({ text: ' acme/tiny-model\n' })).toBe('acme/tiny-model');
    expect(sharedHfUrl({ text: 'see acme/tiny-model' })).toBeNull();
  });

  it('a link without the scheme, but not one inside another URL', () => {
    expect(findHfUrl('look: huggingface.co/acme/tiny-model/discussions/1.')).toBe('huggingface.co/acme/tiny-model/discussions/1');
    expect(findHfUrl('hf.co/acme/tiny-model/tree/feature/x')).toBe('hf.co/acme/tiny-model/tree/feature/x');
    expect(findHfUrl('https://example.com/huggingface.co/a/b')).toBeNull();
    expect(findHfUrl('https://myhf.co/a/b')).toBeNull();
  });
});
