import { Text, View } from 'react-native';
import { formatBytes, type StorageRoot } from '@d011dl/contract';
import { useTheme } from '../ui/theme';
import { modelName } from './words';

// null when the root cannot be read: a word, since a screen reader says nothing useful for "–"
const bytes = (n: number | null) => (n == null ? 'unknown' : formatBytes(n));

/** One storage root's figures: size, free, reserve, D011DL's share and its largest revisions. */
export function RootUsage({ root }: { root: StorageRoot }) {
  const t = useTheme();
  const figure = (label: string, value: string) => (
    <View style={{ flexDirection: 'row', justifyContent: 'space-between' }} accessible accessibilityLabel={`${label}: ${value}`}>
      <Text style={{ color: t.muted }}>{label}</Text>
      <Text style={{ color: t.text }}>{value}</Text>
    </View>
  );
  // the share of the filesystem in use (by anything), as a bar
  const usedPct = root.total_bytes && root.free_bytes != null ? Math.min(100, Math.max(0, (1 - root.free_bytes / root.total_bytes) * 100)) : null;
  const low = root.free_bytes != null && root.free_bytes <= root.reserve_bytes;
  return (
    <View testID={`root-${root.name}`} style={{ borderBottomWidth: 1, borderBottomColor: t.border, paddingVertical: 10 }}>
      <Text accessibilityRole="header" style={{ color: t.text, fontWeight: '700', fontSize: 16 }}>
        {root.name}{root.is_default ? ' (default)' : ''}
      </Text>
      <Text style={{ color: t.muted }} selectable>{root.display_path}</Text>
      {root.problem ? (
        <Text accessibilityRole="alert" style={{ color: t.danger, marginVertical: 4 }}>{root.problem}</Text>
      ) : null}
      {usedPct != null ? (
        <View style={{ height: 6, backgroundColor: t.card, borderRadius: 3, marginVertical: 6 }}>
          <View style={{ height: 6, width: `${usedPct}%`, backgroundColor: low ? t.danger : t.primary, borderRadius: 3 }} />
        </View>
      ) : null}
      {figure('Total', bytes(root.total_bytes))}
      {figure('Free', bytes(root.free_bytes))}
      {figure('Kept free (reserve)', formatBytes(root.reserve_bytes))}
      {figure('Used by D011DL', `${formatBytes(root.used_bytes)} in ${root.models} ${root.models === 1 ? 'revision' : 'revisions'}`)}
      {low ? <Text style={{ color: t.danger }}>Free space is at the reserve: downloads to this root are refused.</Text> : null}
      {root.largest.length ? (
        <View style={{ marginTop: 6 }}>
          <Text style={{ color: t.muted }}>Largest</Text>
          {root.largest.map((m) => (
            <View key={m.id} style={{ flexDirection: 'row', justifyContent: 'space-between', minHeight: 24 }}>
              <Text style={{ color: t.text, flexShrink: 1 }} numberOfLines={1}>{modelName(m)}</Text>
              <Text style={{ color: t.muted, marginLeft: 8 }}>{formatBytes(m.bytes_on_disk)}</Text>
            </View>
          ))}
        </View>
      ) : null}
    </View>
  );
}
