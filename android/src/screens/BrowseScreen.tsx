import { useCallback, useEffect, useMemo, useState } from 'react';
import { ActivityIndicator, FlatList, Pressable, ScrollView, Text, View } from 'react-native';
import { formatBytes, globFilter, type RefsResponse, type RepoInfo, type StorageRoot, type TreeEntry } from '@d011dl/contract';
import { ApiRequestError, errorMessage, repoInfo } from '../api/client';
import { storageRoots } from '../api/library';
import { AlsoRevisions } from '../browse/AlsoRevisions';
import { BigDownloadConfirm, needsConfirm, type BigDownload } from '../browse/BigDownloadConfirm';
import { GatedInfo } from '../browse/GatedInfo';
import { QuantTable } from '../browse/QuantTable';
import { browseRows, filesUnder, toSelection, type BrowseRow } from '../browse/tree';
import { useFullTree } from '../browse/useFullTree';
import { firstUsable } from '../library/useStorageRoots';
import { watchJob } from '../jobs/watch';
import { useSession } from '../session';
import { Body, Button, ErrorText, Field, Screen, useTheme } from '../ui/theme';

export function BrowseScreen({ author, repo, revision: initialRevision, path, onStarted }: {
  author: string;
  repo: string;
  revision?: string;
  /** a linked file or folder (from a /blob/, /resolve/ or folder link): selected and scrolled to */
  path?: string;
  onStarted: (downloadId: string) => void;
}) {
  const { client, store } = useSession();
  const t = useTheme();
  const [refs, setRefs] = useState<RefsResponse | null>(null);
  // other revisions to download the same selection at (POST /downloads/batch)
  const [also, setAlso] = useState<Set<string>>(new Set());
  const [revision, setRevision] = useState(initialRevision ?? 'main');
  const tree = useFullTree(client, author, repo, revision);
  const files = tree.files;
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [filter, setFilter] = useState('');
  const [error, setError] = useState('');
  const [starting, setStarting] = useState(false);
  const [confirm, setConfirm] = useState<BigDownload | null>(null);
  // Set when the API answered 409 AlreadyDownloaded: the same request again with force is offered.
  const [already, setAlready] = useState(false);
  const [info, setInfo] = useState<RepoInfo | null>(null);
  // Several storage roots: the download asks which one (the default one preselected). Asked of the
  // server at the first Download (GET /storage); when it cannot say, the server's default root is used.
  const [roots, setRoots] = useState<StorageRoot[] | null>(null);
  const [root, setRoot] = useState<string | null>(null);
  const pick = (list: readonly StorageRoot[]) => (list.length > 1 ? (root ?? firstUsable(list)) : null);

  useEffect(() => {
    client.refs(author, repo).then(setRefs, (e) => setError(errorMessage(e)));
    // Only a hint before Download: when it cannot be had, Download itself says what is wrong.
    repoInfo(client, author, repo).then(setInfo, () => setInfo(null));
  }, [client, author, repo]);

  // A new listing (another revision): the linked file or folder is selected again, nothing else.
  useEffect(() => {
    setConfirm(null);
    setAlready(false);
    setSelected(new Set(path ? linked(files, path).map((f) => f.path) : []));
  }, [files, path]);

  const rows = useMemo(() => {
    return browseRows(files, globFilter(filter));
  }, [files, filter]);
  // Mounted once the listing is in: the linked row is where the list opens.
  const linkedRow = path ? rows.findIndex((r) => r.path === path) : -1;

  const onlyFiles = rows.flatMap((r) => (r.kind === 'file' ? [r.entry] : []));
  const allSelected = onlyFiles.length > 0 && onlyFiles.every((f) => selected.has(f.path));
  const chosen = files.filter((f) => f.type === 'file' && selected.has(f.path));
  const totalSize = chosen.reduce((s, f) => s + f.size_bytes, 0);

  function toggle(p: string) {
    setAlready(false);
    setSelected((prev) => {
      const next = new Set(prev);
      if (next.has(p)) next.delete(p);
      else next.add(p);
      return next;
    });
  }

  /** Select every file of `group`, or deselect them all when they all are selected already. */
  function toggleGroup(group: TreeEntry[], allOn: boolean) {
    setAlready(false);
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

  /** What the button would download: the selection, or (nothing selected) the whole repo. */
  function planned(pick: ReadonlySet<string>): BigDownload {
    const all = files.filter((f) => f.type === 'file');
    const picked = all.filter((f) => pick.has(f.path));
    const list = picked.length ? picked : all;
    return { bytes: list.reduce((s, f) => s + f.size_bytes, 0), files: list.length, wholeRepo: picked.length === 0 };
  }

  // `chosenSet`: the quant table's choice, started before the selection state has caught up with it
  async function start(confirmed = false, force = false, chosenSet: ReadonlySet<string> = selected) {
    const plan = planned(chosenSet);
    setStarting(true);
    const known = roots ?? (await storageRoots(client).catch(() => []));
    if (!roots) setRoots(known);
    if (!confirmed && (needsConfirm(plan) || known.length > 1)) {
      setStarting(false);
      setConfirm(plan);
      return;
    }
    setConfirm(null);
    setAlready(false);
    setError('');
    try {
      // Every page is loaded (useFullTree): a wholly selected folder goes as one {type:'dir'} item.
      const selection = toSelection(files, chosenSet, true);
      const storage = pick(known);
      const opts = { ...(force ? { force: true } : {}), ...(storage ? { storage } : {}) };
      const extra = [...also].filter((n) => n !== revision);
      if (extra.length) {
        // one job per revision, queued together; the jobs list shows them all
        const r = await client.createBatch({ author, repo, revisions: [revision, ...extra], selection, ...opts });
        const queued = r.downloads.flatMap((x) => (x.download_id ? [x.download_id] : []));
        for (const id of queued) await watchJob(store, id);
        if (queued.length) onStarted(queued[0]!);
        else setAlready(true);
        return;
      }
      const res = await client.createDownload({ author, repo, revision, selection, ...opts });
      await watchJob(store, res.download_id);
      onStarted(res.download_id);
    } catch (e) {
      if (e instanceof ApiRequestError && e.code === 'AlreadyDownloaded') {
        setAlready(true); // not an error: the offer below says what can be done
      } else setError(errorMessage(e));
    } finally {
      setStarting(false);
    }
  }

  // branches, tags, then pull requests as refs/pr/N (shown as "PR #N")
  const prRefs = (refs?.refs ?? []).filter((r) => r.kind === 'pr').map((r) => r.ref);
  const refNames = refs ? [...refs.branches, ...refs.tags, ...prRefs] : [];
  /** "Download this quant (+ config files)": those files become the selection and the download starts. */
  function downloadQuant(paths: string[]) {
    const pick = new Set(paths);
    setSelected(pick);
    void start(false, false, pick);
  }
  const refLabel = (name: string) => /^refs\/pr\/(\d+)$/.exec(name)?.[1] ? `PR #${/^refs\/pr\/(\d+)$/.exec(name)![1]}` : name;

  return (
    <Screen>
      <Body style={{ fontSize: 18, fontWeight: '700' }}>{author}/{repo}</Body>
      <GatedInfo info={info} />
      <ScrollView horizontal style={{ flexGrow: 0, flexShrink: 0, marginVertical: 8 }} testID="refs">
        {refNames.map((name) => (
          <Pressable
            key={name}
            accessibilityRole="button"
            accessibilityState={{ selected: name === revision }}
            aria-selected={name === revision}
            onPress={() => setRevision(name)}
            style={{ minHeight: 48, justifyContent: 'center', paddingHorizontal: 12, marginRight: 6, borderRadius: 24, borderWidth: 1, borderColor: name === revision ? t.primary : t.border }}
          >
            <Text style={{ color: name === revision ? t.primary : t.text }}>{refLabel(name)}</Text>
          </Pressable>
        ))}
      </ScrollView>
      <AlsoRevisions names={refs ? [...refs.branches, ...refs.tags] : []} current={revision} chosen={also} onChange={setAlso} />
      <QuantTable client={client} author={author} repo={repo} revision={revision} onDownload={downloadQuant} busy={starting} />
      <Field testID="filter" value={filter} onChangeText={setFilter} placeholder="Filter, e.g. *.safetensors" />
      <ErrorText>{error || tree.error}</ErrorText>
      {tree.error ? <Button kind="secondary" title="Try again" onPress={tree.reload} /> : null}
      {tree.loading ? (
        <View testID="tree-loading" accessibilityLiveRegion="polite" style={{ flexDirection: 'row', alignItems: 'center', paddingVertical: 12 }}>
          <ActivityIndicator color={t.primary} />
          <Body muted style={{ marginLeft: 8 }}>Loading the file list… {tree.received ? `${tree.received} entries so far` : ''}</Body>
        </View>
      ) : tree.error ? null : (
        <>
          {path && files.length > 0 && linked(files, path).length === 0 ? (
            <Body muted testID="linked-missing">The linked {path} is not in {revision}.</Body>
          ) : null}
          <Pressable accessibilityRole="checkbox" accessibilityState={{ checked: allSelected }} aria-checked={allSelected} onPress={toggleAll} style={{ minHeight: 48, justifyContent: 'center' }}>
            <Text style={{ color: t.text }}>{allSelected ? '☑' : '☐'} Select all ({onlyFiles.length})</Text>
          </Pressable>
          <FlatList
            testID="tree"
            data={rows}
            keyExtractor={(r) => `${r.kind}:${r.path}`}
            getItemLayout={(_, index) => ({ length: ROW_HEIGHT, offset: ROW_HEIGHT * index, index })}
            initialScrollIndex={linkedRow > 0 ? linkedRow : undefined}
            renderItem={({ item }) => <Row row={item} selected={selected} onFile={toggle} onFolder={toggleGroup} />}
          />
        </>
      )}
      <View>
        <Body testID="total">{selected.size} selected · {formatBytes(totalSize)}</Body>
        {confirm ? (
          <BigDownloadConfirm plan={confirm} roots={roots ?? []} root={pick(roots ?? [])} onRoot={setRoot} onConfirm={() => void start(true)} onCancel={() => setConfirm(null)} />
        ) : already ? (
          <View testID="already">
            <Body>Every selected file is already on the server.</Body>
            <Body muted>Verify and re-download checks every file on the server against the Hub and fetches only what is missing or differs.</Body>
            <Button title="Verify and re-download" onPress={() => void start(true, true)} busy={starting} />
          </View>
        ) : (
          <Button title={selected.size ? 'Download selected' : 'Download whole repo'} onPress={() => void start()} busy={starting} disabled={tree.loading || Boolean(tree.error)} />
        )}
      </View>
    </Screen>
  );
}

/** Rows have one height, so the list can open at the linked row (getItemLayout), and are a 48 dp touch target. */
const ROW_HEIGHT = 48;

/** The files a link names: the file itself, or every file of the folder. */
function linked(files: readonly TreeEntry[], path: string): TreeEntry[] {
  const p = path.replace(/\/+$/, '');
  const file = files.find((f) => f.type === 'file' && f.path === p);
  return file ? [file] : filesUnder(files, p);
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
        aria-checked={on}
        onPress={() => onFile(row.path)}
        style={[{ flexDirection: 'row', justifyContent: 'space-between', alignItems: 'center', height: ROW_HEIGHT }, indent]}
      >
        <Text numberOfLines={1} ellipsizeMode="middle" style={{ color: t.text, flexShrink: 1 }}>{on ? '☑' : '☐'} {row.path}</Text>
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
      // react-native-web reads aria-* only, not accessibilityState
      aria-checked={allOn ? true : count > 0 ? 'mixed' : false}
      disabled={row.files.length === 0}
      onPress={() => onFolder(row.files, allOn)}
      style={[{ flexDirection: 'row', justifyContent: 'space-between', alignItems: 'center', height: ROW_HEIGHT }, indent]}
    >
      <Text numberOfLines={1} ellipsizeMode="middle" style={{ color: t.text, fontWeight: '600', flexShrink: 1 }}>{mark} 📁 {row.path}/</Text>
      <Text style={{ color: t.muted, marginLeft: 8 }}>{row.files.length} {row.files.length === 1 ? 'file' : 'files'} · {formatBytes(size)}</Text>
    </Pressable>
  );
}
