// The repo's gate, shown before Download (GET /hf/repo-info), in the words of the portal's
// web/views/partials/gated-badge.ejs: a badge and, until the caller's token (their own, else the server's) has access, the Hub's request page.
import { Linking, Pressable, Text, View } from 'react-native';
import type { RepoInfo } from '@d011dl/contract';
import { useTheme } from '../ui/theme';

export function GatedInfo({ info }: { info: RepoInfo | null }) {
  const t = useTheme();
  if (!info || (!info.gated && !info.private)) return null;
  const granted = info.access === 'granted';
  // whose token the server checked: the user's own (Account) or the server's HF_TOKEN
  const own = info.token?.owner === 'user';
  const whose = own ? `Your Hugging Face token (account ${info.token?.hub_user ?? ''})` : "This server's Hugging Face token";
  const none = info.token?.owner === 'none';
  const badge = (label: string, color: string) => (
    <Text style={{ color, borderColor: color, borderWidth: 1, borderRadius: 10, paddingHorizontal: 8, marginRight: 6, fontWeight: '600' }}>{label}</Text>
  );
  return (
    <View testID="gated-info" style={{ marginBottom: 8 }}>
      <View style={{ flexDirection: 'row', alignItems: 'center', marginBottom: 4 }}>
        {info.gated ? badge('gated', granted ? t.ok : t.danger) : null}
        {info.private ? badge('private', t.warn) : null}
      </View>
      {info.gated && granted ? <Text style={{ color: t.muted }}>{`${whose} has access.`}</Text> : null}
      {info.gated && !granted ? (
        <>
          <Text style={{ color: t.text }}>
            {info.access === 'needs-request' ? (none ? 'No Hugging Face token is set for you or the server, so there is no access yet.' : `${whose} has no access yet.`) : 'Access could not be checked.'}
            {info.gated === 'manual' ? ' The authors review each request.' : ''}
            {own ? ' After access is granted, try again.' : ' After access is granted, add your token under Account (or ask your admin to set HF_TOKEN for that account).'}
          </Text>
          {info.request_url ? (
            <Pressable accessibilityRole="link" onPress={() => void Linking.openURL(info.request_url!)} style={{ minHeight: 48, justifyContent: 'center' }}>
              <Text style={{ color: t.primary, textDecorationLine: 'underline' }}>Request access on Hugging Face</Text>
            </Pressable>
          ) : null}
        </>
      ) : null}
    </View>
  );
}
