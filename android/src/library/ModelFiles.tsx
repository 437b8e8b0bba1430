import { useState } from 'react';
import { Pressable, Text, View } from 'react-native';
import { formatBytes, type Model, type ModelFile } from '@d011dl/contract';
import { errorMessage } from '../api/client';
import { deleteModelFiles } from '../api/library';
import { useSession } from '../session';
import { useTheme } from '../ui/theme';
import { Confirm } from './Confirm';
import { deleteFileQuestion, deletedText } from './words';

/** A revision's files with their states; administrators may delete one file (asked first). */
export function ModelFiles({ model, files, admin, onDeleted }: {
  model: Model;
  files: ModelFile[];
  admin: boolean;
  /** after a delete: what it freed, for the row to say and reload */
  onDeleted: (note: string) => void;
}) {
  const { client } = useSession();
  const t = useTheme();
  const [asking, setAsking] = useState<ModelFile | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');

  async function remove(f: ModelFile) {
    setBusy(true);
    try {
      const r = await deleteModelFiles(client, model.id, [f.path]);
      setAsking(null);
      setError('');
      onDeleted(`${f.path}: ${deletedText(r)}`);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <View testID={`model-files-${model.id}`} style={{ marginTop: 6 }}>
      {files.length === 0 ? <Text style={{ color: t.muted }}>No files tracked.</Text> : null}
      {files.map((f) => (
        <View key={f.id}>
          <View style={{ flexDirection: 'row', justifyContent: 'space-between', minHeight: admin ? 48 : 32, alignItems: 'center' }}>
            <View style={{ flexShrink: 1 }}>
              <Text style={{ color: t.text }}>{f.path}</Text>
              {f.linked_from ? <Text style={{ color: t.muted }}>linked from {f.linked_from}</Text> : null}
            </View>
            <Text style={{ color: f.status === 'failed' ? t.danger : f.status === 'done' ? t.ok : t.muted, marginLeft: 8 }}>
              {f.status} · {formatBytes(f.size_bytes)}
            </Text>
            {admin ? (
              <Pressable
                accessibilityRole="button"
                accessibilityLabel={`Delete ${f.path}`}
                disabled={busy}
                onPress={() => setAsking(f)}
                style={{ minHeight: 48, minWidth: 48, justifyContent: 'center', alignItems: 'center', marginLeft: 8, paddingHorizontal: 8 }}
              >
                <Text style={{ color: t.danger, fontWeight: '600' }}>Delete</Text>
              </Pressable>
            ) : null}
          </View>
          {asking?.id === f.id ? (
            <Confirm
              testID={`confirm-delete-file-${f.id}`}
              danger
              text={deleteFileQuestion(model, f)}
              confirmTitle={`Delete ${formatBytes(f.bytes_done)}`}
              busy={busy}
              onConfirm={() => void remove(f)}
              onCancel={() => setAsking(null)}
            />
          ) : null}
        </View>
      ))}
      {error ? <Text accessibilityRole="alert" style={{ color: t.danger }}>{error}</Text> : null}
    </View>
  );
}
