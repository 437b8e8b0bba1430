import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { act, fireEvent, renderRouter, screen, waitFor } from 'expo-router/testing-library';
import Browse from '../../app/browse';
import Index from '../../app/index';
import Paste from '../../app/paste';
import { KEYS, memoryStore } from '../api/storage';
import { AppRoot } from '../AppRoot';
import { BASE, fakeFetch, loginOk } from '../test/fakeFetch';

// expo-share-intent is a native module: replace it by a store the test pushes share intents into.
// resetShareIntent clears it, as the real one does.
type Intent = { text: string | null; webUrl: string | null };
const mockShare = {
  intent: null as Intent | null,
  listeners: new Set<() => void>(),
  reset: jest.fn(),
  emit(intent: Intent | null) {
    mockShare.intent = intent;
    for (const l of mockShare.listeners) l();
  },
};
jest.mock('expo-share-intent', () => {
  const { useSyncExternalStore } = jest.requireActual<typeof import('react')>('react');
  return {
    ShareIntentProvider: ({ children }: { children: unknown }) => children,
    useShareIntentContext: () => {
      const intent = useSyncExternalStore(
        (l: () => void) => {
          mockShare.listeners.add(l);
          return () => mockShare.listeners.delete(l);
        },
        () => mockShare.intent,
      );
      return {
        isReady: true,
        error: null,
        hasShareIntent: intent !== null,
        shareIntent: { files: null, type: intent ? 'text' : null, text: intent?.text ?? null, webUrl: intent?.webUrl ?? null },
        resetShareIntent: () => {
          mockShare.reset();
          mockShare.emit(null);
        },
      };
    },
  };
});

const SHARED = 'https://huggingface.co/gpt2/tiny/tree/main';

function api() {
  return fakeFetch({
    'POST /auth/login': () => ({ status: 200, body: loginOk }),
    'POST /hf/parse-url': () => ({ status: 200, body: { author: 'gpt2', repo: 'tiny', revision: 'main', kind: 'tree' } }),
    'GET /hf/refs': () => ({ status: 200, body: { branches: ['main'], tags: [], refs: [{ name: 'main', kind: 'branch', ref: 'refs/heads/main', commit: 'a' }] } }),
    'GET /hf/tree': () => ({ status: 200, body: { files: [{ path: 'config.json', type: 'file', size_bytes: 10, oid: '1' }], next_cursor: null } }),
  });
}

async function renderApp(fetchImpl: typeof fetch, signedIn: boolean, initialUrl = '/') {
  const store = memoryStore(signedIn ? { [KEYS.baseUrl]: BASE, [KEYS.token]: 'tok-1', [KEYS.refreshToken]: 'ref-1' } : {});
  // RNTL 14's render is async; renderRouter returns its promise with getPathname() etc. assigned onto it.
  const app = renderRouter(
    {
      _layout: () => <AppRoot store={store} fetchImpl={fetchImpl} />,
      index: Index,
      paste: Paste,
      browse: Browse,
    },
    { initialUrl },
  );
  await (app as unknown as Promise<unknown>);
  return { app };
}

afterEach(() => {
  mockShare.intent = null;
  mockShare.reset.mockClear();
});

describe('a link shared from the browser', () => {
  it('is filled in on the paste screen and opened', async () => {
    const { fetch, calls } = api();
    const { app } = await renderApp(fetch, true);
    await screen.findByTestId('hf-url');
    expect(app.getPathname()).toBe('/paste');

    await act(async () => mockShare.emit({ text: `tiny · Hugging Face\n${SHARED}`, webUrl: null }));

    expect(await screen.findByText('gpt2/tiny')).toBeTruthy(); // the browse screen of the parsed repo
    expect(app.getPathname()).toBe('/browse');
    expect(app.getSearchParams()).toMatchObject({ author: 'gpt2', repo: 'tiny', revision: 'main' });
    expect(calls.find((c) => c.url.pathname === '/hf/parse-url')!.body).toEqual({ url: SHARED });
    expect(screen.getByTestId('hf-url', { includeHiddenElements: true })).toHaveDisplayValue(SHARED);
    expect(mockShare.reset).toHaveBeenCalledTimes(1);
  });

  it('waits for sign-in when signed out, then is opened', async () => {
    const { fetch, calls } = api();
    const { app } = await renderApp(fetch, false);
    await screen.findByTestId('server');

    await act(async () => mockShare.emit({ text: SHARED, webUrl: SHARED }));
    await waitFor(() => expect(mockShare.reset).toHaveBeenCalled());
    expect(app.getPathname()).toBe('/');
    expect(calls.some((c) => c.url.pathname === '/hf/parse-url')).toBe(false);

    await fireEvent.changeText(screen.getByTestId('server'), BASE);
    await fireEvent.changeText(screen.getByTestId('username'), 'alice');
    await fireEvent.changeText(screen.getByTestId('password'), 'pw');
    await fireEvent.press(screen.getByRole('button', { name: 'Sign in' }));

    expect(await screen.findByText('gpt2/tiny')).toBeTruthy();
    expect(app.getPathname()).toBe('/browse');
    expect(calls.find((c) => c.url.pathname === '/hf/parse-url')!.body).toEqual({ url: SHARED });
  });

  it('says so when the shared text has no Hugging Face link', async () => {
    const { fetch, calls } = api();
    const { app } = await renderApp(fetch, true);
    await screen.findByTestId('hf-url');
    await act(async () => mockShare.emit({ text: 'Some page\nhttps://example.com/x', webUrl: 'https://example.com/x' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('The shared text has no Hugging Face link');
    expect(app.getPathname()).toBe('/paste');
    expect(calls.some((c) => c.url.pathname === '/hf/parse-url')).toBe(false);
    expect(mockShare.reset).toHaveBeenCalledTimes(1);
  });
});

describe('deep link d011dl://paste?url=…', () => {
  it('prefills the paste screen without opening it', async () => {
    const { fetch, calls } = api();
    const { app } = await renderApp(fetch, true, `/paste?url=${encodeURIComponent(SHARED)}`);
    expect(await screen.findByDisplayValue(SHARED)).toBeTruthy();
    expect(app.getPathname()).toBe('/paste');
    await fireEvent.press(screen.getByRole('button', { name: 'Open' }));
    expect(await screen.findByText('gpt2/tiny')).toBeTruthy();
    expect(calls.find((c) => c.url.pathname === '/hf/parse-url')!.body).toEqual({ url: SHARED });
  });

  it('keeps the link across sign-in', async () => {
    const { fetch } = api();
    const { app } = await renderApp(fetch, false, `/paste?url=${encodeURIComponent(SHARED)}`);
    await fireEvent.changeText(await screen.findByTestId('server'), BASE);
    await fireEvent.changeText(screen.getByTestId('username'), 'alice');
    await fireEvent.changeText(screen.getByTestId('password'), 'pw');
    await fireEvent.press(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByDisplayValue(SHARED)).toBeTruthy();
    expect(app.getPathname()).toBe('/paste');
  });
});

describe('a shared model name or file link', () => {
  it('"author/repo" alone (the Hub\'s "copy model name") opens the repo', async () => {
    const { fetch, calls } = api();
    const { app } = await renderApp(fetch, true);
    await screen.findByTestId('hf-url');
    await act(async () => mockShare.emit({ text: 'gpt2/tiny\n', webUrl: null }));
    expect(await screen.findByText('gpt2/tiny')).toBeTruthy();
    expect(app.getPathname()).toBe('/browse');
    expect(calls.find((c) => c.url.pathname === '/hf/parse-url')!.body).toEqual({ url: 'gpt2/tiny' });
  });

  it('a file link on a branch with "/" goes to the browse screen with its revision and path', async () => {
    const link = 'https://huggingface.co/gpt2/tiny/blob/feature/x/onnx/model.onnx';
    const { fetch, calls } = fakeFetch({
      'POST /hf/parse-url': () => ({ status: 200, body: { author: 'gpt2', repo: 'tiny', revision: 'feature/x', path: 'onnx/model.onnx', kind: 'blob' } }),
      'GET /hf/refs': () => ({ status: 200, body: { branches: [{ name: 'feature/x', ref: 'refs/heads/feature/x', commit: 'a' }], tags: [] } }),
      'GET /hf/tree': () => ({ status: 200, body: { files: [{ path: 'onnx/model.onnx', type: 'file', size_bytes: 10, oid: '1' }], next_cursor: null } }),
    });
    const { app } = await renderApp(fetch, true);
    await screen.findByTestId('hf-url');
    await act(async () => mockShare.emit({ text: `model.onnx · gpt2/tiny at feature/x\n${link}`, webUrl: null }));
    expect(await screen.findByText('gpt2/tiny')).toBeTruthy();
    expect(app.getPathname()).toBe('/browse');
    expect(app.getSearchParams()).toMatchObject({ author: 'gpt2', repo: 'tiny', revision: 'feature/x', path: 'onnx/model.onnx' });
    expect(calls.find((c) => c.url.pathname === '/hf/parse-url')!.body).toEqual({ url: link });
  });
});
