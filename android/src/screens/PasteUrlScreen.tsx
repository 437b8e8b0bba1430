import { useState } from 'react';
import type { ParsedHfUrl } from '@d011dl/contract';
import { errorMessage } from '../api/client';
import { useSession } from '../session';
import { Body, Button, ErrorText, Field, Label, Screen } from '../ui/theme';

export function PasteUrlScreen({ initialUrl = '', onParsed, onModels, onSignOut }: {
  initialUrl?: string;
  onParsed: (p: ParsedHfUrl) => void;
  onModels: () => void;
  onSignOut: () => void;
}) {
  const { client } = useSession();
  const [url, setUrl] = useState(initialUrl);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');

  async function parse() {
    setError('');
    setBusy(true);
    try {
      onParsed(await client.parseUrl(url.trim()));
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Screen>
      <Body muted>Paste a Hugging Face link (a repo, a branch, a folder or a file).</Body>
      <Label>Hugging Face URL</Label>
      <Field testID="hf-url" value={url} onChangeText={setUrl} placeholder="https://huggingface.co/author/repo" keyboardType="url" onSubmitEditing={parse} />
      <ErrorText>{error}</ErrorText>
      <Button title="Open" onPress={parse} disabled={!url.trim()} busy={busy} />
      <Button title="My models" kind="secondary" onPress={onModels} />
      <Button title="Sign out" kind="secondary" onPress={onSignOut} />
    </Screen>
  );
}
