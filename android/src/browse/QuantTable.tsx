import { useEffect, useState } from 'react';
import { Pressable, ScrollView, Text, View } from 'react-native';
import { formatBytes, hasQuantChoice, quantSelection, type QuantsResponse } from '@d011dl/contract';
import type { ApiClient } from '../api/client';
import { quants } from '../api/updates';
import { useTheme } from '../ui/theme';

/**
 * The quant table above the tree (GET /hf/quants): one card per GGUF quant or safetensors shard set,
 * with its size, bits per weight, estimated RAM and an "already downloaded" mark. Its button hands
 * the group's files plus the always-useful ones (README, config, tokenizer) to `onDownload`.
 * Nothing is shown without a choice to make (no weights, or one lone weights file), or when the table cannot be had (the tree still works).
 */
export function QuantTable({ client, author, repo, revision, onDownload, busy }: {
  client: ApiClient;
  author: string;
  repo: string;
  revision: string;
  onDownload: (paths: string[]) => void;
  busy?: boolean;
}) {
  const t = useTheme();
  const [table, setTable] = useState<QuantsResponse | null>(null);

  useEffect(() => {
    let live = true;
    setTable(null);
    quants(client, author, repo, revision).then(
      (r) => live && setTable(r),
      () => live && setTable(null),
    );
    return () => {
      live = false;
    };
  }, [client, author, repo, revision]);

  if (!table || !hasQuantChoice(table)) return null;
  return (
    <View testID="quant-table" style={{ marginVertical: 8 }}>
      <Text style={{ color: t.text, fontWeight: '700' }}>Quants and weights</Text>
      <Text style={{ color: t.muted, fontSize: 12 }}>RAM: {table.ram_overhead}</Text>
      <ScrollView horizontal style={{ flexGrow: 0 }} contentContainerStyle={{ paddingVertical: 6 }}>
        {table.groups.map((g) => (
          <View key={g.id} testID={`quant-${g.label}`} style={{ width: 200, padding: 10, marginRight: 8, borderRadius: 8, borderWidth: 1, borderColor: g.downloaded ? t.ok : t.border }}>
            <Text style={{ color: t.text, fontWeight: '700' }}>{g.label}</Text>
            <Text style={{ color: t.muted }}>
              {formatBytes(g.size_bytes)} · {g.files.length} {g.files.length === 1 ? 'file' : g.kind === 'gguf' ? 'parts' : 'files'}
            </Text>
            <Text style={{ color: t.muted }}>
              {g.bits_per_weight !== null ? `${g.bits_per_weight} bits/weight · ` : ''}RAM ≈ {formatBytes(g.ram_bytes)}
            </Text>
            {g.downloaded ? <Text style={{ color: t.ok, fontWeight: '600' }}>✓ already downloaded</Text> : null}
            {!g.complete ? <Text style={{ color: t.danger }}>parts missing in the repo</Text> : null}
            <Pressable
              accessibilityRole="button"
              accessibilityLabel={`Download ${g.label} (+ config files)`}
              accessibilityState={{ disabled: Boolean(busy) }}
              disabled={busy}
              onPress={() => onDownload(quantSelection(table, g))}
              style={{ minHeight: 48, justifyContent: 'center', alignItems: 'center', marginTop: 6, borderRadius: 8, borderWidth: 1, borderColor: t.primary }}
            >
              <Text style={{ color: t.primary, fontWeight: '600', textAlign: 'center' }}>Download this quant (+ config files)</Text>
            </Pressable>
          </View>
        ))}
      </ScrollView>
    </View>
  );
}
