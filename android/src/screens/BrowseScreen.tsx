import { useCallback, useEffect, useMemo, useState } from 'react';
import { FlatList, Pressable, ScrollView, Text, View } from 'react-native';
import type { RefsResponse, SelectionItem, TreeEntry } from '@d011dl/contract';
import { errorMessage } from '../api/client';
import { watchJob } from '../jobs/watch';
import { useSession } from '../session';
import { formatBytes } from '../ui/format';
import { Body, Button, ErrorText, Field, Screen, useTheme } from '../ui/theme';

/** Simple glob: `*` any run of characters, `?` one; matched against the whole path. */
export function globToRegExp(glob: string): RegExp {
  const re = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`(^|/)${re}$`, 'i');
}

export function BrowseScreen({ author, repo, revision: initialRevision, path, onStarted }: {
  author: string;
  repo: string;
  revision?: string;
  path?: string;
  onStarted: (downloadId: string) => void;
}) {
  const { client, store } = useSession();
  const t = useTheme();
  const [refs, setRefs] = useState<RefsResponse | null>(null);
  const [revision, setRevision] = useState(initialRevision ?? 'main');
  const [files, setFiles] = useState<TreeEntry[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [filter, setFilter] = useState('');
  const [error, setError] = useState('');
  const [starting, setStarting] = useState(false);

  useEffect(() => {
    client.refs(author, repo).then(setRefs, (e) => setError(errorMessage(e)));
  }, [client, author, repo]);

  const loadPage = useCallback(
    async (next: string | null, reset: boolean) => {
      setLoading(true);
      setError('');
      try {
        const page = await client.tree({ author, repo, revision, path, recursive: true, cursor: next ?? undefined });
        setFiles((prev) => (reset ? page.files : [...prev, ...page.files]));
        setCursor(page.next_cursor);
      } catch (e) {
        setError(errorMessage(e));
      } finally {
        setLoading(false);
      }
    },
    [client, author, repo, revision, path],
  );

  useEffect(() => {
    setSelected(new Set());
    void loadPage(null, true);
  }, [loadPage]);

  const visible = useMemo(() => {
    if (!filter.trim()) return files;
    const re = globToRegExp(filter.trim());
    return files.filter((f) => re.test(f.path));
  }, [files, filter]);

  const onlyFiles = visible.filter((f) => f.type === 'file');
  const allSelected = onlyFiles.length > 0 && onlyFiles.every((f) => selected.has(f.path));
  const totalSize = files.filter((f) => f.type === 'file' && selected.has(f.path)).reduce((s, f) => s + f.size_bytes, 0);

  function toggle(p: string) {
    setSelected((prev) => {
      const next = new Set(prev);
      if (next.has(p)) next.delete(p);
      else next.add(p);
      return next;
    });
  }

  function toggleAll() {
    setSelected((prev) => {
      const next = new Set(prev);
      for (const f of onlyFiles) {
        if (allSelected) next.delete(f.path);
        else next.add(f.path);
      }
      return next;
    });
  }

  async function start() {
    setStarting(true);
    setError('');
    try {
      const selection: SelectionItem[] = [...selected].map((p) => ({ path: p, type: 'file' }));
      const res = await client.createDownload({ author, repo, revision, selection });
      await watchJob(store, res.download_id);
      onStarted(res.download_id);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setStarting(false);
    }
  }

  const refNames = refs ? [...refs.branches.map((b) => b.name), ...refs.tags.map((x) => x.name)] : [];

  return (
    <Screen>
      <Body style={{ fontSize: 18, fontWeight: '700' }}>{author}/{repo}</Body>
      <ScrollView horizontal style={{ flexGrow: 0, marginVertical: 8 }} testID="refs">
        {refNames.map((name) => (
          <Pressable
            key={name}
            accessibilityRole="button"
            accessibilityState={{ selected: name === revision }}
            onPress={() => setRevision(name)}
            style={{ paddingHorizontal: 10, paddingVertical: 6, marginRight: 6, borderRadius: 14, borderWidth: 1, borderColor: name === revision ? t.primary : t.border }}
          >
            <Text style={{ color: name === revision ? t.primary : t.text }}>{name}</Text>
          </Pressable>
        ))}
      </ScrollView>
      <Field testID="filter" value={filter} onChangeText={setFilter} placeholder="Filter, e.g. *.safetensors" />
      <Pressable accessibilityRole="checkbox" accessibilityState={{ checked: allSelected }} onPress={toggleAll} style={{ paddingVertical: 8 }}>
        <Text style={{ color: t.text }}>{allSelected ? '☑' : '☐'} Select all ({onlyFiles.length})</Text>
      </Pressable>
      <ErrorText>{error}</ErrorText>
      <FlatList
        data={visible}
        keyExtractor={(f) => f.path}
        onEndReached={() => cursor && !loading && loadPage(cursor, false)}
        renderItem={({ item }) =>
          item.type === 'dir' ? (
            <Text style={{ color: t.muted, paddingVertical: 6 }}>📁 {item.path}/</Text>
          ) : (
            <Pressable
              accessibilityRole="checkbox"
              accessibilityLabel={item.path}
              accessibilityState={{ checked: selected.has(item.path) }}
              onPress={() => toggle(item.path)}
              style={{ flexDirection: 'row', justifyContent: 'space-between', paddingVertical: 6 }}
            >
              <Text style={{ color: t.text, flexShrink: 1 }}>{selected.has(item.path) ? '☑' : '☐'} {item.path}</Text>
              <Text style={{ color: t.muted, marginLeft: 8 }}>{formatBytes(item.size_bytes)}</Text>
            </Pressable>
          )
        }
        ListFooterComponent={cursor ? <Button kind="secondary" title="Load more" busy={loading} onPress={() => loadPage(cursor, false)} /> : null}
      />
      <View>
        <Body testID="total">{selected.size} selected · {formatBytes(totalSize)}</Body>
        <Button title={selected.size ? 'Download selected' : 'Download whole repo'} onPress={start} busy={starting} />
      </View>
    </Screen>
  );
}
