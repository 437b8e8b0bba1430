import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { act, fireEvent, renderRouter, screen } from 'expo-router/testing-library';
import Index from '../../app/index';
import Job from '../../app/job/[id]';
import Jobs from '../../app/jobs';
import Models from '../../app/models';
import Paste from '../../app/paste';
import { KEYS, memoryStore, type KeyValueStore } from '../api/storage';
import { AppRoot } from '../AppRoot';
import { BASE, fakeFetch } from '../test/fakeFetch';
import { ID, jobFixture } from '../test/fixtures';

jest.mock('expo-share-intent', () => jest.requireActual<typeof import('../test/shareIntentMock')>('../test/shareIntentMock').noShareIntent);

// The notification that started the app (a native module): set per test.
const mockTap: { response: unknown } = { response: null };
jest.mock('expo-notifications', () => ({
  ...jest.requireActual<object>('expo-notifications'),
  getLastNotificationResponse: () => mockTap.response,
  addNotificationResponseReceivedListener: () => ({ remove() {} }),
}));
afterEach(() => {
  mockTap.response = null;
});

/** A stored session whose reads wait until `release()`: the slow secure store of a cold start. */
function slowStore(signedIn: boolean) {
  const inner = memoryStore(signedIn ? { [KEYS.baseUrl]: BASE, [KEYS.token]: 'tok-1', [KEYS.refreshToken]: 'ref-1' } : {});
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const store: KeyValueStore = { ...inner, get: async (k) => gate.then(() => inner.get(k)) };
  return { store, release };
}

function api() {
  return fakeFetch({
    [`GET /downloads/${ID}`]: () => ({ status: 200, body: jobFixture({ status: 'succeeded', progress_pct: 100, bytes_done: 2_000_000, files_done: 1, eta_s: 0 }) }),
    [`GET /downloads/${ID}/files`]: () => ({ status: 200, body: { files: [] } }),
    'GET /db/models': () => ({ status: 200, body: [] }),
    'GET /downloads': () => ({ status: 200, body: { downloads: [jobFixture({})] } }),
  });
}

async function open(url: string, store: KeyValueStore, fetchImpl: typeof fetch) {
  const app = renderRouter(
    { _layout: () => <AppRoot store={store} fetchImpl={fetchImpl} />, index: Index, paste: Paste, models: Models, jobs: Jobs, 'job/[id]': Job },
    { initialUrl: url },
  );
  await (app as unknown as Promise<unknown>);
  return { app }; // not `app` itself: a returned promise would be unwrapped
}

describe('a cold start on a route that calls the API', () => {
  it('the job route waits for the stored session, then loads the job', async () => {
    const { store, release } = slowStore(true);
    const { fetch, calls } = api();
    await open(`/job/${ID}`, store, fetch);
    expect(screen.getByTestId('session-loading')).toBeTruthy();
    expect(calls).toHaveLength(0);
    await act(async () => release());
    expect(await screen.findByText(/SUCCEEDED · 100\.0%/)).toBeTruthy();
    expect(screen.queryByText('Enter the server address first.')).toBeNull();
    expect(calls[0]!.headers.Authorization).toBe('Bearer tok-1');
  });

  it('the models route waits for the stored session, then lists', async () => {
    const { store, release } = slowStore(true);
    const { fetch } = api();
    await open('/models', store, fetch);
    await act(async () => release());
    expect(await screen.findByText('No models yet.')).toBeTruthy();
    expect(screen.queryByText('Enter the server address first.')).toBeNull();
  });

  it('goes to sign-in when nothing is stored', async () => {
    const { store, release } = slowStore(false);
    const { fetch, calls } = api();
    const { app } = await open(`/job/${ID}`, store, fetch);
    await act(async () => release());
    expect(await screen.findByTestId('server')).toBeTruthy();
    expect(app.getPathname()).toBe('/');
    expect(calls).toHaveLength(0);
  });
});

describe('a tap on a "Download finished" notification', () => {
  it('opens that job once the stored session is loaded', async () => {
    mockTap.response = {
      actionIdentifier: 'expo.modules.notifications.actions.DEFAULT',
      notification: { request: { identifier: 'n1', content: { title: 'Download finished', data: { downloadId: ID } } } },
    };
    const { store, release } = slowStore(true);
    const { fetch } = api();
    const { app } = await open('/', store, fetch);
    await act(async () => release());
    expect(await screen.findByText(/SUCCEEDED · 100\.0%/)).toBeTruthy();
    expect(app.getPathname()).toBe(`/job/${ID}`);
    expect(screen.queryByText('Enter the server address first.')).toBeNull();
  });
});

describe('the main navigation', () => {
  it('reaches the jobs list from the paste screen, and a job from there', async () => {
    const { store, release } = slowStore(true);
    const { fetch } = api();
    const { app } = await open('/paste', store, fetch);
    await act(async () => release());
    await fireEvent.press(await screen.findByRole('link', { name: 'Jobs' }));
    await fireEvent.press(await screen.findByRole('link', { name: 'gpt2/tiny @ main, running' }));
    expect(await screen.findByText(/SUCCEEDED · 100\.0%/)).toBeTruthy();
    expect(app.getPathname()).toBe(`/job/${ID}`);
  });
});
