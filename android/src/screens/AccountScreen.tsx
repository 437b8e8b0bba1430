import { useEffect, useState } from 'react';
import { ScrollView, View } from 'react-native';
import type { HfTokenStatus } from '@d011dl/contract';
import { changePassword, hfTokenStatus, removeHfToken, setHfToken } from '../api/account';
import { errorMessage } from '../api/client';
import { useSession } from '../session';
import { Body, Button, ErrorText, Field, Label, Screen } from '../ui/theme';

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString('en-GB') : '');

/** Account: my own Hugging Face token (set — Hub account alice, or a field to paste one) and my password. */
export function AccountScreen() {
  const { client } = useSession();
  const [hf, setHf] = useState<HfTokenStatus | null>(null);
  const [token, setToken] = useState('');
  const [hfBusy, setHfBusy] = useState(false);
  const [hfError, setHfError] = useState('');
  const [hfNotice, setHfNotice] = useState('');
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [pwBusy, setPwBusy] = useState(false);
  const [pwError, setPwError] = useState('');
  const [pwNotice, setPwNotice] = useState('');

  useEffect(() => {
    hfTokenStatus(client).then(setHf, (e) => setHfError(errorMessage(e)));
  }, [client]);

  async function saveToken() {
    setHfError('');
    setHfNotice('');
    setHfBusy(true);
    try {
      const r = await setHfToken(client, token);
      setToken('');
      setHf({ set: true, hub_user: r.hub_user, set_at: r.set_at, problem: null });
      setHfNotice(`Hugging Face token saved: Hub account ${r.hub_user}.`);
    } catch (e) {
      setHfError(errorMessage(e));
    } finally {
      setHfBusy(false);
    }
  }

  async function removeToken() {
    setHfError('');
    setHfBusy(true);
    try {
      await removeHfToken(client);
      setHf({ set: false, hub_user: null, set_at: null, problem: null });
      setHfNotice("Hugging Face token removed: your downloads use the server's token, if it has one.");
    } catch (e) {
      setHfError(errorMessage(e));
    } finally {
      setHfBusy(false);
    }
  }

  async function savePassword() {
    setPwError('');
    setPwNotice('');
    if (next !== again) return setPwError('The two new passwords differ: type the same new password twice.');
    setPwBusy(true);
    try {
      const r = await changePassword(client, current, next);
      setCurrent('');
      setNext('');
      setAgain('');
      setPwNotice(`Password changed.${r.sessions_ended ? ` Signed out of ${r.sessions_ended} other session${r.sessions_ended === 1 ? '' : 's'}.` : ''}`);
    } catch (e) {
      setPwError(errorMessage(e));
    } finally {
      setPwBusy(false);
    }
  }

  return (
    <Screen>
      <ScrollView keyboardShouldPersistTaps="handled">
        <Body style={{ fontWeight: '700', fontSize: 17 }}>Hugging Face token</Body>
        <Body muted>Your own token opens what your Hugging Face account may see, such as gated models you were approved for. It is checked with Hugging Face, kept encrypted and never shown again.</Body>
        <View testID="hf-status" style={{ marginTop: 8 }}>
          {hf === null ? <Body muted>Loading…</Body> : null}
          {hf && !hf.set ? <Body>No token set.</Body> : null}
          {hf?.set && !hf.problem ? <Body>{`Set — Hub account ${hf.hub_user}, since ${when(hf.set_at)}`}</Body> : null}
          {hf?.set && hf.problem ? <ErrorText>{hf.problem}</ErrorText> : null}
        </View>
        {hfNotice ? <Body testID="hf-notice">{hfNotice}</Body> : null}
        <ErrorText>{hfError}</ErrorText>
        <Label>{hf?.set ? 'Replace with another token' : 'Token'}</Label>
        <Field testID="hf-token" accessibilityLabel="Hugging Face token" value={token} onChangeText={setToken} placeholder="hf_…" secureTextEntry />
        <Button title="Save token" onPress={() => void saveToken()} disabled={!token.trim()} busy={hfBusy} />
        {hf?.set ? <Button title="Remove token" kind="secondary" onPress={() => void removeToken()} disabled={hfBusy} /> : null}

        <Body style={{ fontWeight: '700', fontSize: 17, marginTop: 24 }}>Change password</Body>
        <Label>Current password</Label>
        <Field testID="pw-current" accessibilityLabel="Current password" value={current} onChangeText={setCurrent} secureTextEntry autoComplete="current-password" />
        <Label>New password (8 to 72 bytes)</Label>
        <Field testID="pw-new" accessibilityLabel="New password" value={next} onChangeText={setNext} secureTextEntry autoComplete="new-password" />
        <Label>New password again</Label>
        <Field testID="pw-again" accessibilityLabel="New password again" value={again} onChangeText={setAgain} secureTextEntry autoComplete="new-password" />
        <Body muted>Your other sessions are signed out; this one stays.</Body>
        {pwNotice ? <Body testID="pw-notice">{pwNotice}</Body> : null}
        <ErrorText>{pwError}</ErrorText>
        <Button title="Change password" onPress={() => void savePassword()} disabled={!current || !next || !again} busy={pwBusy} />
      </ScrollView>
    </Screen>
  );
}
