import { useState } from 'react';
import { FlatList, RefreshControl } from 'react-native';
import { RootUsage } from '../library/RootUsage';
import { useStorageRoots } from '../library/useStorageRoots';
import { useSession } from '../session';
import { Body, ErrorText, Screen } from '../ui/theme';

/** Disk usage (GET /storage): per storage root its size, free space, reserve and what D011DL keeps there. */
export function StorageScreen() {
  const { client } = useSession();
  const { roots, loaded, error, reload } = useStorageRoots(client);
  const [refreshing, setRefreshing] = useState(false);
  const refresh = async () => {
    setRefreshing(true);
    await reload();
    setRefreshing(false);
  };
  return (
    <Screen>
      <ErrorText>{error}</ErrorText>
      <FlatList
        data={roots}
        keyExtractor={(r) => r.name}
        refreshControl={<RefreshControl refreshing={refreshing} onRefresh={() => void refresh()} />}
        ListEmptyComponent={loaded ? null : <Body muted>Loading…</Body>}
        renderItem={({ item }) => <RootUsage root={item} />}
      />
    </Screen>
  );
}
