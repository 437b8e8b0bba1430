import { useCallback, useEffect, useState } from 'react';
import { FlatList, RefreshControl, Text, View } from 'react-native';
import type { Model, StorageRoot } from '@d011dl/contract';
import { errorMessage } from '../api/client';
import { storageRoots } from '../api/library';
import { ImportFromDisk } from '../library/ImportFromDisk';
import { useIsAdmin, useSession } from '../session';
import { Body, Button, ErrorText, Screen, useTheme } from '../ui/theme';
import { ModelRow } from './ModelRow';

export function modelBadge(m: Model): 'downloaded' | 'failed' | 'partial' | 'pending' {
  if (m.is_downloaded) return 'downloaded';
  if (m.files_failed > 0) return 'failed';
  if (m.files_done > 0) return 'partial';
  return 'pending';
}

/** My models: every revision with its root and size on disk; `onStorage` opens the disk usage screen. */
export function ModelsScreen({ onStorage }: { onStorage?: () => void } = {}) {
  const { client } = useSession();
  const admin = useIsAdmin();
  const t = useTheme();
  const [models, setModels] = useState<Model[] | null>(null);
  const [roots, setRoots] = useState<readonly StorageRoot[]>([]);
  const [error, setError] = useState('');
  const [note, setNote] = useState('');
  const [refreshing, setRefreshing] = useState(false);

  const load = useCallback(async () => {
    setRefreshing(true);
    try {
      // the roots with the list (a copy or move changes both); without them Copy and Move are not offered
      const [list, r] = await Promise.all([client.models(), storageRoots(client).catch(() => null)]);
      setModels(list);
      if (r) setRoots(r);
      setError('');
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setRefreshing(false);
    }
  }, [client]);

  useEffect(() => {
    void load();
  }, [load]);

  const changed = useCallback(
    (text?: string) => {
      if (text) setNote(text);
      void load();
    },
    [load],
  );

  const badgeColor = { downloaded: t.ok, failed: t.danger, partial: t.warn, pending: t.muted };
  return (
    <Screen>
      <ErrorText>{error}</ErrorText>
      {note ? <Text testID="models-note" accessibilityLiveRegion="polite" style={{ color: t.text, marginBottom: 6 }}>{note}</Text> : null}
      <FlatList
        data={models ?? []}
        keyExtractor={(m) => m.id}
        refreshControl={<RefreshControl refreshing={refreshing} onRefresh={load} />}
        ListHeaderComponent={
          onStorage || admin ? (
            <View style={{ marginBottom: 8 }}>
              {onStorage ? <Button kind="secondary" title="Disk usage" onPress={onStorage} /> : null}
              {admin ? <ImportFromDisk roots={roots} onImported={() => void load()} /> : null}
            </View>
          ) : null
        }
        ListEmptyComponent={models ? <Body muted>No models yet.</Body> : null}
        renderItem={({ item }) => {
          const b = modelBadge(item);
          return <ModelRow model={item} badge={b} badgeColor={badgeColor[b]} roots={roots} admin={admin} onChanged={changed} />;
        }}
      />
    </Screen>
  );
}
