import { describe, expect, it } from '@jest/globals';
import { fireEvent, screen, waitFor } from '@testing-library/react-native';
import { AccountScreen } from '../screens/AccountScreen';
import { fakeFetch } from '../test/fakeFetch';
import { renderSignedIn } from '../test/render';

const notSet = { set: false, hub_user: null, set_at: null, problem: null };

describe('Account', () => {
  it('saves a Hugging Face token and shows its Hub account; a refused token says why; remove', async () => {
    const { fetch, calls } = fakeFetch({
      'GET /me/hf-token': () => ({ status: 200, body: notSet }),
      'PUT /me/hf-token': [
        () => ({ status: 400, body: { statusCode: 400, error: 'HfTokenInvalid', message: 'The Hub does not accept this token (Invalid credentials). Nothing was saved.' } }),
        () => ({ status: 200, body: { hub_user: 'alice', set_at: '2026-11-30T09:00:00.000Z' } }),
      ],
      'DELETE /me/hf-token': () => ({ status: 204 }),
    });
    await renderSignedIn(<AccountScreen />, fetch);
    expect(await screen.findByText('No token set.')).toBeTruthy();
    await fireEvent.changeText(screen.getByLabelText('Hugging Face token'), 'hf_wrong');
    await fireEvent.press(screen.getByRole('button', { name: 'Save token' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(/does not accept this token/);
    await fireEvent.changeText(screen.getByLabelText('Hugging Face token'), ' hf_alice_token ');
    await fireEvent.press(screen.getByRole('button', { name: 'Save token' }));
    expect(await screen.findByText(/^Set — Hub account alice, since /)).toBeTruthy();
    expect(screen.getByTestId('hf-notice')).toHaveTextContent('Hugging Face token saved: Hub account alice.');
    expect(calls.filter((c) => c.method === 'PUT').map((c) => c.body)).toEqual([{ token: 'hf_wrong' }, { token: 'hf_alice_token' }]);
    expect(screen.queryByText(/hf_alice_token/)).toBeNull();
    await fireEvent.press(screen.getByRole('button', { name: 'Remove token' }));
    expect(await screen.findByText('No token set.')).toBeTruthy();
  });

  it('a token the server key cannot open says so', async () => {
    const problem = 'Your saved Hugging Face token cannot be used: it was encrypted with another server key. Set it again under Account.';
    const { fetch } = fakeFetch({ 'GET /me/hf-token': () => ({ status: 200, body: { set: true, hub_user: 'alice', set_at: '2026-11-30T09:00:00.000Z', problem } }) });
    await renderSignedIn(<AccountScreen />, fetch);
    expect(await screen.findByRole('alert')).toHaveTextContent(problem);
  });

  it('changes the password; different new passwords and a wrong current one are refused in words', async () => {
    const { fetch, calls } = fakeFetch({
      'GET /me/hf-token': () => ({ status: 200, body: notSet }),
      'PUT /me/password': [
        () => ({ status: 403, body: { statusCode: 403, error: 'WrongPassword', message: 'The current password is wrong: the password was not changed' } }),
        () => ({ status: 200, body: { changed: true, sessions_ended: 2 } }),
      ],
    });
    await renderSignedIn(<AccountScreen />, fetch);
    await screen.findByText('No token set.');
    await fireEvent.changeText(screen.getByLabelText('Current password'), 'old password');
    await fireEvent.changeText(screen.getByLabelText('New password'), 'a brand new password');
    await fireEvent.changeText(screen.getByLabelText('New password again'), 'a brand new passw0rd');
    await fireEvent.press(screen.getByRole('button', { name: 'Change password' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(/The two new passwords differ/);
    expect(calls.some((c) => c.method === 'PUT')).toBe(false);
    await fireEvent.changeText(screen.getByLabelText('New password again'), 'a brand new password');
    await fireEvent.press(screen.getByRole('button', { name: 'Change password' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(/The current password is wrong/);
    await fireEvent.press(screen.getByRole('button', { name: 'Change password' }));
    expect(await screen.findByTestId('pw-notice')).toHaveTextContent('Password changed. Signed out of 2 other sessions.');
    await waitFor(() => expect(calls.filter((c) => c.method === 'PUT').at(-1)?.body).toEqual({ current_password: 'old password', new_password: 'a brand new password' }));
  });
});
