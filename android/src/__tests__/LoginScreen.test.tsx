import { describe, expect, it, jest } from '@jest/globals';
import { fireEvent, render, screen, waitFor } from '@testing-library/react-native';
import { KEYS, memoryStore } from '../api/storage';
import { LoginScreen } from '../screens/LoginScreen';
import { SessionProvider } from '../session';
import { BASE, fakeFetch, loginOk } from '../test/fakeFetch';

async function renderLogin(fetchImpl: typeof fetch, store = memoryStore()) {
  const onLoggedIn = jest.fn();
  await render(
    <SessionProvider store={store} fetchImpl={fetchImpl}>
      <LoginScreen onLoggedIn={onLoggedIn} />
    </SessionProvider>,
  );
  return { onLoggedIn, store };
}

async function fill(server: string, user: string, pw: string) {
  await fireEvent.changeText(screen.getByTestId('server'), server);
  await fireEvent.changeText(screen.getByTestId('username'), user);
  await fireEvent.changeText(screen.getByTestId('password'), pw);
  await fireEvent.press(screen.getByRole('button', { name: 'Sign in' }));
}

describe('LoginScreen', () => {
  it('keeps Sign in disabled until every field is filled', async () => {
    const { fetch, calls } = fakeFetch({});
    await renderLogin(fetch);
    const button = screen.getByRole('button', { name: 'Sign in' });
    expect(button).toBeDisabled();
    await fireEvent.changeText(screen.getByTestId('server'), BASE);
    await fireEvent.changeText(screen.getByTestId('username'), 'alice');
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeDisabled();
    await fireEvent.press(screen.getByRole('button', { name: 'Sign in' }));
    expect(calls).toHaveLength(0);
  });

  it('signs in against the entered server and stores the session', async () => {
    const { fetch, calls } = fakeFetch({ 'POST /auth/login': () => ({ status: 200, body: loginOk }) });
    const { onLoggedIn, store } = await renderLogin(fetch);
    await fill('nas.local:8080/', ' alice ', 'secret-pw');
    await waitFor(() => expect(onLoggedIn).toHaveBeenCalledTimes(1));
    expect(calls[0]!.url.toString()).toBe(`${BASE}/auth/login`);
    expect(calls[0]!.body).toEqual({ username: 'alice', password: 'secret-pw' });
    expect(store.data.get(KEYS.token)).toBe('tok-1');
    expect(store.data.get(KEYS.baseUrl)).toBe(BASE);
  });

  it('says so when the credentials are wrong', async () => {
    const { fetch } = fakeFetch({ 'POST /auth/login': () => ({ status: 401, body: { statusCode: 401, error: 'Unauthorized', message: 'Invalid username or password' } }) });
    const { onLoggedIn } = await renderLogin(fetch);
    await fill(BASE, 'alice', 'nope');
    expect(await screen.findByRole('alert')).toHaveTextContent('Wrong username or password.');
    expect(onLoggedIn).not.toHaveBeenCalled();
  });

  it('says so when the server cannot be reached', async () => {
    const failing = (async () => { throw new TypeError('Network request failed'); }) as unknown as typeof fetch;
    await renderLogin(failing);
    await fill('http://10.0.0.9:1', 'alice', 'pw');
    expect(await screen.findByRole('alert')).toHaveTextContent(/Cannot reach the server at http:\/\/10\.0\.0\.9:1/);
  });

  it('says so when the address is not a D011DL server', async () => {
    const { fetch } = fakeFetch({ 'POST /auth/login': () => ({ status: 200, body: '<html>' }) });
    await renderLogin(fetch);
    await fill(BASE, 'alice', 'pw');
    expect(await screen.findByRole('alert')).toHaveTextContent(/a D011DL server/);
  });
});
