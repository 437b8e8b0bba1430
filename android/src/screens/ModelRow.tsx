import { useState } from 'react';
import { Pressable, Text, View } from 'react-native';
import { formatBytes, type Model, type ModelFile, type StorageRoot } from '@d011dl/contract';
import { errorMessage, modelFiles, rescanModel } from '../api/client';
import { ModelFiles } from '../library/ModelFiles';
import { RevisionPanel, type RevisionAction } from '../library/RevisionPanel';
import { useSession } from '../session';
import { useTheme } from '../ui/theme';
import { UseIt } from './UseIt';
import { ModelUpdate } from './ModelUpdate';

/**
 * One revision of My models with its actions: its file list (GET /db/models/:id/files) and a rescan
 * of the disk (POST /db/rescan), after which `onChanged` reloads the list, and "Verify and re-download"
 * (POST /downloads with force). Copy to another storage root for everyone; Delete (the revision or
 * one file) and Move to another root for administrators (issue 14). Every touch target is 48 dp.
 */
export function ModelRow({ model, badge, badgeColor, roots, admin, onChanged }: {
  model: Model;
  badge: string;
  badgeColor: string;
  /** the server's storage roots (GET /storage); Copy and Move are offered when there is another */
  roots: readonly StorageRoot[];
  admin: boolean;
  /** reload the list; `note` is said on the screen (the row may be gone after a delete) */
  onChanged: (note?: string) => void;
}) {
  const { client } = useSession();
  const t = useTheme();
  const [files, setFiles] = useState<ModelFile[] | null>(null);
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState<'files' | 'rescan' | 'verify' | null>(null);
  const [note, setNote] = useState('');
  const [panel, setPanel] = useState<RevisionAction | null>(null);
  const name = `${model.author}/${model.repo} @ ${model.revision}`;
  const otherRoot = roots.some((r) => r.name !== model.storage);

  async function loadFiles() {
    setBusy('files');
    try {
      setFiles(await modelFiles(client, model.id));
      setNote('');
    } catch (e) {
      setNote(errorMessage(e));
    } finally {
      setBusy(null);
    }
  }

  async function toggleFiles() {
    const next = !open;
    setOpen(next);
    if (next) await loadFiles();
  }

  async function rescan() {
    setBusy('rescan');
    try {
      const r = await rescanModel(client, model.id);
      const problems = [r.missing ? `${r.missing} missing` : '', r.mismatched ? `${r.mismatched} changed` : ''].filter(Boolean).join(', ');
      setNote(`Rescanned ${r.files_checked} ${r.files_checked === 1 ? 'file' : 'files'}: ${r.present} on disk${problems ? `, ${problems}` : ''}.`);
      onChanged();
      if (open) {
        const list = await modelFiles(client, model.id);
        setFiles(list);
      }
    } catch (e) {
      setNote(errorMessage(e));
    } finally {
      setBusy(null);
    }
  }

  // "Verify and re-download": every tracked file again with force, so each is checked on disk and
  // fetched again only where it differs from the Hub
  async function verify() {
    setBusy('verify');
    try {
      const list = await modelFiles(client, model.id);
      if (!list.length) return setNote('No files to verify.');
      const r = await client.createDownload({ author: model.author, repo: model.repo, revision: model.revision, selection: list.map((f) => ({ path: f.path, type: 'file' as const })), force: true });
      setNote(`Verifying ${r.files_total} ${r.files_total === 1 ? 'file' : 'files'}: follow it under Jobs.`);
      onChanged();
    } catch (e) {
      setNote(errorMessage(e));
    } finally {
      setBusy(null);
    }
  }

  async function fileDeleted(text: string) {
    onChanged();
    await loadFiles();
    setNote(text); // after the reload, which clears the note
  }

  const toggle = (p: RevisionAction) => setPanel((cur) => (cur === p ? null : p));
  const action = (title: string, onPress: () => void, label: string, kind: 'files' | 'rescan' | 'verify' | RevisionAction) => (
    <Pressable
      accessibilityRole="button"
      accessibilityLabel={label}
      accessibilityState={{ busy: busy === kind, disabled: busy !== null, expanded: kind === 'files' ? open : kind === panel ? true : undefined }}
      disabled={busy !== null}
      onPress={onPress}
      style={{ minHeight: 48, minWidth: 96, justifyContent: 'center', alignItems: 'center', paddingHorizontal: 12, marginRight: 8, borderRadius: 8, borderWidth: 1, borderColor: t.border }}
    >
      <Text style={{ color: t.primary, fontWeight: '600' }}>{busy === kind ? '…' : title}</Text>
    </Pressable>
  );

  return (
    <View testID={`model-${model.id}`} style={{ minHeight: 48, paddingVertical: 8, borderBottomWidth: 1, borderBottomColor: t.border }}>
      <View style={{ flexDirection: 'row', justifyContent: 'space-between' }}>
        <Text style={{ color: t.text, fontWeight: '600', flexShrink: 1 }}>{name}</Text>
        <Text style={{ color: badgeColor }}>{badge}</Text>
      </View>
      <Text style={{ color: t.muted }}>
        {model.files_done}/{model.files_tracked} files{model.files_downloading ? ` · ${model.files_downloading} downloading` : ''}
        {model.files_failed ? ` · ${model.files_failed} failed` : ''} · {formatBytes(model.bytes_on_disk)} on disk
      </Text>
      <Text style={{ color: t.muted }}>Storage root: {model.storage}</Text>
      <Text style={{ color: t.muted }} selectable>{model.display_path}</Text>
      <View style={{ flexDirection: 'row', flexWrap: 'wrap', marginTop: 6 }}>
        {action(open ? 'Hide files' : 'Files', () => void toggleFiles(), `Files of ${name}`, 'files')}
        {action('Rescan', () => void rescan(), `Rescan ${name}`, 'rescan')}
        {model.files_tracked > 0 ? action('Verify', () => void verify(), `Verify and re-download ${name}`, 'verify') : null}
        {otherRoot ? action('Copy to…', () => toggle('copy'), `Copy ${name} to another storage root`, 'copy') : null}
        {otherRoot && admin ? action('Move to…', () => toggle('move'), `Move ${name} to another storage root`, 'move') : null}
        {admin ? action('Delete', () => toggle('delete'), `Delete ${name}`, 'delete') : null}
      </View>
      <ModelUpdate model={model} onChanged={onChanged} />
      {model.files_done > 0 && model.commit_sha ? <UseIt model={model} apiBase={client.getBaseUrl()} /> : null}
      {panel ? (
        <RevisionPanel
          model={model}
          action={panel}
          roots={roots}
          onClose={() => setPanel(null)}
          onDone={(text) => {
            setPanel(null);
            // a deleted revision leaves the list with its row: the screen says what was freed
            if (panel === 'delete') return onChanged(text);
            setNote(text);
            onChanged();
          }}
        />
      ) : null}
      {note ? <Text accessibilityLiveRegion="polite" style={{ color: t.muted, marginTop: 6 }}>{note}</Text> : null}
      {open && files ? <ModelFiles model={model} files={files} admin={admin} onDeleted={(text) => void fileDeleted(text)} /> : null}
    </View>
  );
}
