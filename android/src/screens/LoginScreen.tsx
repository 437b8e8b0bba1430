import { useEffect, useState } from 'react';
import { ApiRequestError, errorMessage } from '../api/client';
import { useSession } from '../session';
import { Body, Button, ErrorText, Field, Label, Screen } from '../ui/theme';

export function loginErrorMessage(e: unknown): string {
  if (e instanceof ApiRequestError && e.status === 401) return 'Wrong username or password.';
  return errorMessage(e);
}

export function LoginScreen({ onLoggedIn }: { onLoggedIn: () => void }) {
  const { signIn, client } = useSession();
  const [baseUrl, setBaseUrl] = useState(client.getBaseUrl());
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');

  useEffect(() => {
    if (!baseUrl && client.getBaseUrl()) setBaseUrl(client.getBaseUrl());
  }, [client, baseUrl]);

  const canSubmit = baseUrl.trim() !== '' && username.trim() !== '' && password !== '';

  async function submit() {
    setError('');
    setBusy(true);
    try {
      await signIn(baseUrl, username.trim(), password);
      onLoggedIn();
    } catch (e) {
      setError(loginErrorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Screen>
      <Body style={{ fontSize: 22, fontWeight: '700' }}>D011DL</Body>
      <Body muted>Sign in to your D011DL server.</Body>
      <Label>Server address</Label>
      <Field testID="server" value={baseUrl} onChangeText={setBaseUrl} placeholder="https://nas.example.com/api" keyboardType="url" />
      <Label>Username</Label>
      <Field testID="username" value={username} onChangeText={setUsername} placeholder="username" textContentType="username" />
      <Label>Password</Label>
      <Field testID="password" value={password} onChangeText={setPassword} placeholder="password" secureTextEntry onSubmitEditing={() => canSubmit && submit()} />
      <ErrorText>{error}</ErrorText>
      <Button title="Sign in" onPress={submit} disabled={!canSubmit} busy={busy} />
    </Screen>
  );
}
