import { describe, expect, it, jest } from '@jest/globals';
import { ApiClient, ApiRequestError, normalizeBaseUrl } from '../api/client';
import { KEYS, memoryStore } from '../api/storage';
import { BASE, fakeFetch, loginOk } from '../test/fakeFetch';
import { modelFixture } from '../test/fixtures';

const models = [modelFixture({ commit_sha: 'abc' })];

async function signedInClient(routes: Parameters<typeof fakeFetch>[0], onAuthLost = () => {}) {
  const f = fakeFetch({ 'POST /auth/login': () => ({ status: 200, body: loginOk }), ...routes });
  const store = memoryStore();
  const client = new ApiClient({ store, fetch: f.fetch, onAuthLost });
  await client.setBaseUrl(`${BASE}/`);
  await client.login('alice', 'secret-pw');
  return { client, store, ...f };
}

describe('ApiClient', () => {
  it('normalizes the base URL', () => {
    expect(normalizeBaseUrl(' nas.local:8080/ ')).toBe('http://nas.local:8080');
    expect(normalizeBaseUrl('https://x.example/api//')).toBe('https://x.example/api');
  });

  it('logs in, stores the tokens and sends the bearer token afterwards', async () => {
    const { client, store, calls } = await signedInClient({ 'GET /db/models': () => ({ status: 200, body: models }) });
    expect(calls[0]!.url.toString()).toBe(`${BASE}/auth/login`);
    expect(calls[0]!.body).toEqual({ username: 'alice', password: 'secret-pw' });
    expect(calls[0]!.headers.Authorization).toBeUndefined();
    expect(store.data.get(KEYS.token)).toBe('tok-1');
    expect(store.data.get(KEYS.refreshToken)).toBe('ref-1');
    expect(store.data.get(KEYS.baseUrl)).toBe(BASE);

    const res = await client.models();
    expect(res[0]!.repo).toBe('tiny');
    expect(calls[1]!.headers.Authorization).toBe('Bearer tok-1');
  });

  it('builds query strings for refs and tree', async () => {
    const { client, calls } = await signedInClient({
      'GET /hf/refs': () => ({ status: 200, body: { branches: ['main'], tags: [], refs: [{ name: 'main', kind: 'branch', ref: 'refs/heads/main', commit: 'a' }] } }),
      'GET /hf/tree': () => ({ status: 200, body: { files: [], next_cursor: null } }),
    });
    await client.refs('gpt2', 'tiny');
    await client.tree({ author: 'gpt2', repo: 'tiny', revision: 'main', cursor: 'c 2' });
    expect(calls[1]!.url.search).toBe('?author=gpt2&repo=tiny&include_prs=true');
    expect(calls[2]!.url.searchParams.get('cursor')).toBe('c 2');
    expect(calls[2]!.url.searchParams.has('path')).toBe(false);
  });

  it('refreshes once on a 401 and retries with the new token', async () => {
    const { client, calls, store } = await signedInClient({
      'GET /db/models': [() => ({ status: 401, body: { statusCode: 401, error: 'Unauthorized', message: 'expired' } }), () => ({ status: 200, body: models })],
      'POST /auth/refresh': () => ({ status: 200, body: { token: 'tok-2', refresh_token: 'ref-2', token_type: 'Bearer', expires_in: 900 } }),
    });
    await client.models();
    expect(calls.map((c) => `${c.method} ${c.url.pathname}`)).toEqual(['POST /auth/login', 'GET /db/models', 'POST /auth/refresh', 'GET /db/models']);
    expect(calls[2]!.body).toEqual({ refresh_token: 'ref-1' });
    expect(calls[3]!.headers.Authorization).toBe('Bearer tok-2');
    expect(store.data.get(KEYS.token)).toBe('tok-2');
  });

  it('goes back to login when the refresh fails', async () => {
    const onAuthLost = jest.fn();
    const { client, store, calls } = await signedInClient(
      {
        'GET /db/models': () => ({ status: 401, body: { statusCode: 401, error: 'Unauthorized', message: 'expired' } }),
        'POST /auth/refresh': () => ({ status: 401, body: { statusCode: 401, error: 'Unauthorized', message: 'bad refresh' } }),
      },
      onAuthLost,
    );
    await expect(client.models()).rejects.toMatchObject({ status: 401, code: 'Unauthorized' });
    expect(onAuthLost).toHaveBeenCalledTimes(1);
    expect(calls.filter((c) => c.url.pathname === '/auth/refresh')).toHaveLength(1);
    expect(store.data.has(KEYS.token)).toBe(false);
    expect(client.isSignedIn()).toBe(false);
  });

  it('surfaces API error messages (gated repo, no space)', async () => {
    const { client } = await signedInClient({
      'POST /hf/parse-url': () => ({ status: 403, body: { statusCode: 403, error: 'GatedRepo', message: 'This repo is gated: request access on huggingface.co' } }),
      'POST /downloads': () => ({ status: 507, body: { statusCode: 507, error: 'InsufficientStorage', message: 'Not enough free space: 182 GB needed, 40 GB free' } }),
    });
    await expect(client.parseUrl('https://huggingface.co/x/y')).rejects.toMatchObject({ code: 'GatedRepo', message: expect.stringContaining('gated') });
    const err = await client.createDownload({ author: 'x', repo: 'y', selection: [] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiRequestError);
    expect((err as ApiRequestError).status).toBe(507);
    expect((err as ApiRequestError).message).toMatch(/Not enough free space/);
  });

  it('reports an unreachable server clearly', async () => {
    const client = new ApiClient({ store: memoryStore(), fetch: (async () => { throw new TypeError('Network request failed'); }) as unknown as typeof fetch });
    await client.setBaseUrl('http://10.0.0.9:1');
    await expect(client.login('a', 'b')).rejects.toMatchObject({ code: 'Unreachable', message: expect.stringContaining('Cannot reach the server at http://10.0.0.9:1') });
  });

  it('rejects answers that do not match the contract', async () => {
    const { client } = await signedInClient({ 'GET /db/models': () => ({ status: 200, body: { nope: true } }) });
    await expect(client.models()).rejects.toMatchObject({ code: 'BadResponse' });
  });

  it('restores a stored session', async () => {
    const store = memoryStore({ [KEYS.baseUrl]: BASE, [KEYS.token]: 't', [KEYS.refreshToken]: 'r' });
    const client = new ApiClient({ store, fetch: fakeFetch({}).fetch });
    expect(await client.restore()).toBe(true);
    expect(client.getBaseUrl()).toBe(BASE);
  });
});
