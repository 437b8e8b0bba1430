import { useCallback, useEffect, useState } from 'react';
import { FlatList, RefreshControl } from 'react-native';
import type { Model } from '@d011dl/contract';
import { errorMessage } from '../api/client';
import { useSession } from '../session';
import { Body, ErrorText, Screen, useTheme } from '../ui/theme';
import { ModelRow } from './ModelRow';

export function modelBadge(m: Model): 'downloaded' | 'failed' | 'partial' | 'pending' {
  if (m.is_downloaded) return 'downloaded';
  if (m.files_failed > 0) return 'failed';
  if (m.files_done > 0) return 'partial';
  return 'pending';
}

export function ModelsScreen() {
  const { client } = useSession();
  const t = useTheme();
  const [models, setModels] = useState<Model[] | null>(null);
  const [error, setError] = useState('');
  const [refreshing, setRefreshing] = useState(false);

  const load = useCallback(async () => {
    setRefreshing(true);
    try {
      setModels(await client.models());
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

  const badgeColor = { downloaded: t.ok, failed: t.danger, partial: t.warn, pending: t.muted };
  return (
    <Screen>
      <ErrorText>{error}</ErrorText>
      <FlatList
        data={models ?? []}
        keyExtractor={(m) => m.id}
        refreshControl={<RefreshControl refreshing={refreshing} onRefresh={load} />}
        ListEmptyComponent={models ? <Body muted>No models yet.</Body> : null}
        renderItem={({ item }) => {
          const b = modelBadge(item);
          return <ModelRow model={item} badge={b} badgeColor={badgeColor[b]} onChanged={() => void load()} />;
        }}
      />
    </Screen>
  );
}
