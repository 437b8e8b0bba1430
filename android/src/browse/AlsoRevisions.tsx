import { useState } from 'react';
import { Pressable, ScrollView, Text, View } from 'react-native';
import { useTheme } from '../ui/theme';

/**
 * "Also at other revisions": the same selection at other branches and tags, one job each
 * (POST /downloads/batch); quantizers publish W4A16, W8A8, exl2-4.0bpw… as branches. Folded until asked.
 * Pull requests are left out: they are proposals, not releases.
 */
export function AlsoRevisions({ names, current, chosen, onChange }: {
  /** branches and tags of the repo */
  names: readonly string[];
  current: string;
  chosen: ReadonlySet<string>;
  onChange: (next: Set<string>) => void;
}) {
  const t = useTheme();
  const [open, setOpen] = useState(chosen.size > 0);
  const others = names.filter((n) => n !== current);
  if (!others.length) return null;
  const toggle = (name: string) => {
    const next = new Set(chosen);
    if (next.has(name)) next.delete(name);
    else next.add(name);
    onChange(next);
  };
  return (
    <View testID="also-revisions">
      <Pressable
        accessibilityRole="button"
        accessibilityState={{ expanded: open }}
        onPress={() => setOpen(!open)}
        style={{ minHeight: 48, justifyContent: 'center' }}
      >
        <Text style={{ color: t.primary }}>
          {open ? '▾' : '▸'} Also at other revisions{chosen.size ? ` (${chosen.size} chosen)` : ` (${others.length})`}
        </Text>
      </Pressable>
      {open ? (
        <ScrollView horizontal style={{ flexGrow: 0, flexShrink: 0 }}>
          {others.map((name) => (
            <Pressable
              key={name}
              accessibilityRole="checkbox"
              accessibilityLabel={`Also download at ${name}`}
              accessibilityState={{ checked: chosen.has(name) }}
              aria-checked={chosen.has(name)}
              onPress={() => toggle(name)}
              style={{ minHeight: 48, justifyContent: 'center', paddingHorizontal: 12, marginRight: 6, borderRadius: 8, borderWidth: 1, borderColor: chosen.has(name) ? t.primary : t.border }}
            >
              <Text style={{ color: chosen.has(name) ? t.primary : t.text }}>{chosen.has(name) ? '☑' : '☐'} {name}</Text>
            </Pressable>
          ))}
        </ScrollView>
      ) : null}
    </View>
  );
}
