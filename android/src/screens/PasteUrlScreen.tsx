import { useEffect, useState } from 'react';
import { HfLinkError, parseHfLink, type ParsedHfUrl } from '@d011dl/contract';
import { errorMessage } from '../api/client';
import { useSession } from '../session';
import { NO_HF_LINK_MESSAGE } from '../share/sharedLink';
import type { PendingShare } from '../share/SharedLinkContext';
import { Body, Button, ErrorText, Field, Label, Screen } from '../ui/theme';

export function PasteUrlScreen({ initialUrl = '', shared, onSharedHandled, onParsed, onModels, onAccount, onSignOut }: {
  initialUrl?: string;
  /** A link shared to the app: filled in and opened as if pasted and "Open" pressed. */
  shared?: PendingShare | null;
  onSharedHandled?: (id: number) => void;
  onParsed: (p: ParsedHfUrl) => void;
  onModels: () => void;
  /** the Account screen: password and Hugging Face token */
  onAccount?: () => void;
  onSignOut: () => void;
}) {
  const { client } = useSession();
  const [url, setUrl] = useState(initialUrl);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');

  async function parse(link: string = url) {
    setError('');
    // The shared parser first (contract/src/hf-link.ts): what can never be a model link is said at once,
    // without a round trip. Any host passes here; the server knows which Hub endpoint it trusts.
    try {
      parseHfLink(link, { anyHost: true });
    } catch (e) {
      if (e instanceof HfLinkError) return setError(e.message);
      throw e;
    }
    setBusy(true);
    try {
      // the server settles a branch with "/" in it against the repo's real refs, and `path` (a linked
      // file or folder) goes on to the browse screen, which selects it
      onParsed(await client.parseUrl(link.trim()));
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  useEffect(() => {
    if (!shared) return;
    onSharedHandled?.(shared.id);
    if (shared.url) {
      setUrl(shared.url);
      void parse(shared.url);
    } else {
      setError(NO_HF_LINK_MESSAGE);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shared?.id]);

  return (
    <Screen>
      <Body muted>Paste a Hugging Face link (a repo, a branch, a pull request, a folder or a file) or a model name like author/repo.</Body>
      <Label>Hugging Face URL</Label>
      <Field testID="hf-url" value={url} onChangeText={setUrl} placeholder="https://huggingface.co/author/repo" keyboardType="url" onSubmitEditing={() => parse()} />
      <ErrorText>{error}</ErrorText>
      <Button title="Open" onPress={() => parse()} disabled={!url.trim()} busy={busy} />
      <Button title="My models" kind="secondary" onPress={onModels} />
      {onAccount ? <Button title="Account" kind="secondary" onPress={onAccount} /> : null}
      <Button title="Sign out" kind="secondary" onPress={onSignOut} />
    </Screen>
  );
}
