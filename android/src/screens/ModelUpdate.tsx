import { useState } from 'react';
import { Pressable, Text, View } from 'react-native';
import { formatBytes, type Model, type ModelChanges } from '@d011dl/contract';
import { errorMessage } from '../api/client';
import { checkUpdate, modelChanges, pinModel, updateModel } from '../api/updates';
import { watchJob } from '../jobs/watch';
import { useSession } from '../session';
import { useTheme } from '../ui/theme';

/**
 * Update checks of one revision in My models: an "Update available" badge with what changed at the
 * Hub, Update (POST /db/models/:id/update: only what changed, as a job), "Check now"
 * (POST /db/models/:id/check-update) and a Pin toggle (PUT /db/models/:id/pin).
 * `onChanged` reloads the list so the row shows the server's state.
 */
// a commit id or a pull request never moves as a branch does: nothing to check
const mayMove = (revision: string) => !/^[0-9a-f]{40}$/.test(revision) && !revision.startsWith('refs/');

export function ModelUpdate({ model, onChanged }: { model: Model; onChanged: () => void }) {
  const { client, store } = useSession();
  const t = useTheme();
  const [busy, setBusy] = useState<'check' | 'pin' | 'changes' | 'update' | null>(null);
  const [changes, setChanges] = useState<ModelChanges | null>(null);
  const [note, setNote] = useState('');
  const name = `${model.author}/${model.repo} @ ${model.revision}`;

  async function run(kind: 'check' | 'pin' | 'changes' | 'update', fn: () => Promise<void>) {
    setBusy(kind);
    try {
      await fn();
    } catch (e) {
      setNote(errorMessage(e));
    } finally {
      setBusy(null);
    }
  }

  const check = () =>
    run('check', async () => {
      const r = await checkUpdate(client, model.id);
      setChanges(r.changes);
      setNote(!r.checkable ? 'A tag or a commit never changes.' : r.check_error ? `Could not check: ${r.check_error}` : r.update_available ? '' : 'Up to date with the Hub.');
      onChanged();
    });
  const pin = () =>
    run('pin', async () => {
      await pinModel(client, model.id, !model.pinned);
      setChanges(null);
      setNote(model.pinned ? 'Unpinned: checked for updates again.' : 'Pinned to its commit: never checked for updates.');
      onChanged();
    });
  const update = () =>
    run('update', async () => {
      const r = await updateModel(client, model.id);
      await watchJob(store, r.download_id);
      setChanges(null);
      setNote(`Updating: ${r.files_added + r.files_changed} files to fetch (${formatBytes(r.bytes_to_fetch)}), ${r.files_unchanged} kept. Follow it under Jobs.`);
      onChanged();
    });
  const showChanges = () =>
    run('changes', async () => {
      setChanges(changes ? null : await modelChanges(client, model.id));
    });

  const button = (title: string, label: string, kind: 'check' | 'pin' | 'changes' | 'update', onPress: () => void, extra: object = {}) => (
    <Pressable
      accessibilityRole="button"
      accessibilityLabel={label}
      accessibilityState={{ busy: busy === kind, disabled: busy !== null, ...extra }}
      disabled={busy !== null}
      onPress={onPress}
      style={{ minHeight: 48, minWidth: 96, justifyContent: 'center', alignItems: 'center', paddingHorizontal: 12, marginRight: 8, marginTop: 6, borderRadius: 8, borderWidth: 1, borderColor: t.border }}
    >
      <Text style={{ color: t.primary, fontWeight: '600' }}>{busy === kind ? '…' : title}</Text>
    </Pressable>
  );

  return (
    <View testID={`model-update-${model.id}`}>
      <View style={{ flexDirection: 'row', flexWrap: 'wrap', alignItems: 'center' }}>
        {model.update_available ? <Text style={{ color: t.primary, fontWeight: '700', marginRight: 8 }}>Update available</Text> : null}
        {model.pinned ? <Text style={{ color: t.muted, marginRight: 8 }}>📌 pinned</Text> : null}
      </View>
      <View style={{ flexDirection: 'row', flexWrap: 'wrap' }}>
        {model.update_available ? button('Update', `Update ${name} to the Hub's latest commit`, 'update', () => void update()) : null}
        {model.update_available ? button(changes ? 'Hide changes' : 'What changed', `What changed in ${name}`, 'changes', () => void showChanges()) : null}
        {!model.pinned && model.commit_sha && mayMove(model.revision) ? button('Check now', `Check ${name} for updates`, 'check', () => void check()) : null}
        {button(model.pinned ? 'Unpin' : 'Pin', `${model.pinned ? 'Unpin' : 'Pin'} ${name}`, 'pin', () => void pin(), { checked: model.pinned })}
      </View>
      {note ? <Text accessibilityLiveRegion="polite" style={{ color: t.muted, marginTop: 6 }}>{note}</Text> : null}
      {changes && changes.files.length ? (
        <View testID={`model-changes-${model.id}`} style={{ marginTop: 6 }}>
          <Text style={{ color: t.text }}>
            {changes.added} added · {changes.changed} changed · {changes.removed} removed · {formatBytes(changes.bytes_to_fetch)} to fetch
          </Text>
          {changes.files.map((f) => (
            <View key={f.path} style={{ flexDirection: 'row', justifyContent: 'space-between', minHeight: 32, alignItems: 'center' }}>
              <Text style={{ color: t.text, flexShrink: 1 }}>{f.path}</Text>
              <Text style={{ color: f.change === 'removed' ? t.danger : t.muted, marginLeft: 8 }}>
                {f.change} · {formatBytes(f.size_bytes)}
              </Text>
            </View>
          ))}
        </View>
      ) : null}
    </View>
  );
}
