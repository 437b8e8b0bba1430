import { useState } from 'react';
import { Text, View } from 'react-native';
import type { ImportResponse, StorageRoot } from '@d011dl/contract';
import { errorMessage } from '../api/client';
import { importFromDisk } from '../api/library';
import { watchJob } from '../jobs/watch';
import { useSession } from '../session';
import { Button, ErrorText, useTheme } from '../ui/theme';
import { Confirm } from './Confirm';
import { RootChoice } from './RootChoice';
import { firstUsable } from './useStorageRoots';
import { importSummary, modelName } from './words';

/**
 * "Import from disk" (administrators): scan a root for revision folders the catalog does not know
 * (POST /db/import) and say what was queued (each a job under Jobs) and what was skipped and why.
 */
export function ImportFromDisk({ roots, onImported }: { roots: readonly StorageRoot[]; onImported: () => void }) {
  const { client, store } = useSession();
  const t = useTheme();
  const [asking, setAsking] = useState(false);
  const [root, setRoot] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [result, setResult] = useState<ImportResponse | null>(null);
  const chosen = root ?? firstUsable(roots);

  async function run() {
    setBusy(true);
    try {
      // with the roots unknown (GET /storage failed) the server scans its default root
      const r = await importFromDisk(client, chosen ?? undefined);
      for (const i of r.imports) await watchJob(store, i.download_id);
      setResult(r);
      setAsking(false);
      setError('');
      onImported();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <View>
      {asking ? (
        <Confirm
          testID="confirm-import"
          text="Look for revision folders (Author/Repo/Revision) that D011DL does not know yet, check every file against the Hub and add them to My models? Nothing is downloaded."
          confirmTitle={chosen ? `Import from ${chosen}` : 'Import'}
          busy={busy}
          onConfirm={() => void run()}
          onCancel={() => setAsking(false)}
        >
          {roots.length > 1 ? <RootChoice roots={roots} value={chosen} onChange={setRoot} label="Import from" /> : null}
          <ErrorText>{error}</ErrorText>
        </Confirm>
      ) : (
        <Button kind="secondary" title="Import from disk" onPress={() => { setResult(null); setAsking(true); }} />
      )}
      {result ? (
        <View testID="import-result" accessibilityLiveRegion="polite" style={{ marginTop: 6 }}>
          <Text style={{ color: t.text }}>{importSummary(result)}</Text>
          {result.imports.map((i) => (
            <Text key={i.download_id} style={{ color: t.ok }}>Queued: {modelName(i)}</Text>
          ))}
          {result.skipped.map((s) => (
            <Text key={s.path} style={{ color: t.warn }}>Skipped: {s.path} — {s.reason}</Text>
          ))}
        </View>
      ) : null}
    </View>
  );
}
