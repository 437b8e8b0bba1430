import { useCallback, useEffect, useMemo, useState } from 'react';
import { FlatList, Pressable, ScrollView, Text, View } from 'react-native';
import { formatBytes, globFilter, type RefsResponse, type TreeEntry } from '@d011dl/contract';
import { errorMessage } from '../api/client';
import { browseRows, toSelection, type BrowseRow } from '../browse/tree';
import { watchJob } from '../jobs/watch';
import { useSession } from '../session';
import { Body, Button, ErrorText, Field, Screen, useTheme } from '../ui/theme';

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

  const rows = useMemo(() => {
    return browseRows(files, globFilter(filter), path);
  }, [files, filter, path]);

  const onlyFiles = rows.flatMap((r) => (r.kind === 'file' ? [r.entry] : []));
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

  /** Select every file of `group`, or deselect them all when they all are selected already. */
  function toggleGroup(group: TreeEntry[], allOn: boolean) {
    setSelected((prev) => {
      const next = new Set(prev);
      for (const f of group) {
        if (allOn) next.delete(f.path);
        else next.add(f.path);
      }
      return next;
    });
  }

  const toggleAll = () => toggleGroup(onlyFiles, allSelected);

  async function start() {
    setStarting(true);
    setError('');
    try {
      // A wholly selected folder goes as {type:'dir'} once every page is loaded (cursor null).
      const selection = toSelection(files, selected, cursor === null, path);
      const res = await client.createDownload({ author, repo, revision, selection });
      await watchJob(store, res.download_id);
      onStarted(res.download_id);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setStarting(false);
    }
  }

  const refNames = refs ? [...refs.branches, ...refs.tags] : [];

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
        data={rows}
        keyExtractor={(r) => `${r.kind}:${r.path}`}
        onEndReached={() => cursor && !loading && loadPage(cursor, false)}
        renderItem={({ item }) => <Row row={item} selected={selected} onFile={toggle} onFolder={toggleGroup} />}
        ListFooterComponent={cursor ? <Button kind="secondary" title="Load more" busy={loading} onPress={() => loadPage(cursor, false)} /> : null}
      />
      <View>
        <Body testID="total">{selected.size} selected · {formatBytes(totalSize)}</Body>
        <Button title={selected.size ? 'Download selected' : 'Download whole repo'} onPress={start} busy={starting} />
      </View>
    </Screen>
  );
}

function Row({ row, selected, onFile, onFolder }: {
  row: BrowseRow;
  selected: ReadonlySet<string>;
  onFile: (path: string) => void;
  onFolder: (files: TreeEntry[], allOn: boolean) => void;
}) {
  const t = useTheme();
  const indent = { paddingLeft: 14 * row.depth };
  if (row.kind === 'file') {
    const on = selected.has(row.path);
    return (
      <Pressable
        accessibilityRole="checkbox"
        accessibilityLabel={row.path}
        accessibilityState={{ checked: on }}
        onPress={() => onFile(row.path)}
        style={[{ flexDirection: 'row', justifyContent: 'space-between', paddingVertical: 6 }, indent]}
      >
        <Text style={{ color: t.text, flexShrink: 1 }}>{on ? '☑' : '☐'} {row.path}</Text>
        <Text style={{ color: t.muted, marginLeft: 8 }}>{formatBytes(row.entry.size_bytes)}</Text>
      </Pressable>
    );
  }
  const count = row.files.filter((f) => selected.has(f.path)).length;
  const allOn = row.files.length > 0 && count === row.files.length;
  const mark = allOn ? '☑' : count > 0 ? '◩' : '☐';
  const size = row.files.reduce((s, f) => s + f.size_bytes, 0);
  return (
    <Pressable
      accessibilityRole="checkbox"
      accessibilityLabel={`${row.path}/`}
      accessibilityState={{ checked: allOn ? true : count > 0 ? 'mixed' : false, disabled: row.files.length === 0 }}
      disabled={row.files.length === 0}
      onPress={() => onFolder(row.files, allOn)}
      style={[{ flexDirection: 'row', justifyContent: 'space-between', paddingVertical: 6 }, indent]}
    >
      <Text style={{ color: t.text, fontWeight: '600', flexShrink: 1 }}>{mark} 📁 {row.path}/</Text>
      <Text style={{ color: t.muted, marginLeft: 8 }}>{row.files.length} {row.files.length === 1 ? 'file' : 'files'} · {formatBytes(size)}</Text>
    </Pressable>
  );
}
