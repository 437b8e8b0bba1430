import { Pressable, Text, View } from 'react-native';
import type { StorageRoot } from '@d011dl/contract';
import { useTheme } from '../ui/theme';
import { rootDetail } from './words';

/**
 * A radio group of storage roots (download to, copy or move to, import from). A root that cannot be
 * used now (not mounted, read-only) is shown disabled with the reason. Each choice is a 48 dp target.
 */
export function RootChoice({ roots, value, onChange, label, testID }: {
  roots: readonly StorageRoot[];
  value: string | null;
  onChange: (name: string) => void;
  label: string;
  testID?: string;
}) {
  const t = useTheme();
  return (
    <View accessibilityRole="radiogroup" accessibilityLabel={label} testID={testID} style={{ marginTop: 6 }}>
      <Text style={{ color: t.muted, marginBottom: 4 }}>{label}</Text>
      {roots.map((r) => {
        const on = r.name === value;
        return (
          <Pressable
            key={r.name}
            accessibilityRole="radio"
            accessibilityLabel={r.name}
            accessibilityHint={rootDetail(r)}
            accessibilityState={{ checked: on, disabled: !r.ok }}
            aria-checked={on}
            disabled={!r.ok}
            onPress={() => onChange(r.name)}
            style={{ minHeight: 48, justifyContent: 'center', paddingHorizontal: 12, marginBottom: 4, borderRadius: 8, borderWidth: 1, borderColor: on ? t.primary : t.border, opacity: r.ok ? 1 : 0.6 }}
          >
            <Text style={{ color: on ? t.primary : t.text, fontWeight: '600' }}>{on ? '◉' : '○'} {r.name}{r.is_default ? ' (default)' : ''}</Text>
            <Text style={{ color: r.ok ? t.muted : t.danger }} numberOfLines={2}>{rootDetail(r)}</Text>
          </Pressable>
        );
      })}
    </View>
  );
}
