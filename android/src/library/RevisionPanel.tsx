import { useState } from 'react';
import { formatBytes, type Model, type StorageRoot } from '@d011dl/contract';
import { errorMessage } from '../api/client';
import { deleteModel, transferModel } from '../api/library';
import { watchJob } from '../jobs/watch';
import { useSession } from '../session';
import { ErrorText } from '../ui/theme';
import { Confirm } from './Confirm';
import { RootChoice } from './RootChoice';
import { firstUsable } from './useStorageRoots';
import { deleteModelQuestion, deletedText, modelName } from './words';

export type RevisionAction = 'delete' | 'copy' | 'move';

/**
 * The question a revision's Delete, Copy to… or Move to… opens below its row. A copy or move runs as
 * a job (it shows under Jobs and notifies when done); a delete says what it freed. `onDone` gets the
 * sentence to show once the list is reloaded.
 */
export function RevisionPanel({ model, action, roots, onClose, onDone }: {
  model: Model;
  action: RevisionAction;
  roots: readonly StorageRoot[];
  onClose: () => void;
  onDone: (note: string) => void;
}) {
  const { client, store } = useSession();
  const others = roots.filter((r) => r.name !== model.storage);
  const [to, setTo] = useState<string | null>(firstUsable(others));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const name = modelName(model);

  async function run(work: () => Promise<string>) {
    setBusy(true);
    try {
      const note = await work();
      setError('');
      onDone(note);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  const error_ = error ? <ErrorText>{error}</ErrorText> : null;
  if (action === 'delete') {
    return (
      <Confirm
        testID={`confirm-delete-${model.id}`}
        danger
        text={deleteModelQuestion(model)}
        confirmTitle={`Delete ${formatBytes(model.bytes_on_disk)}`}
        busy={busy}
        onConfirm={() => void run(async () => `${name}: ${deletedText(await deleteModel(client, model.id))}`)}
        onCancel={onClose}
      >
        {error_}
      </Confirm>
    );
  }

  const verb = action === 'copy' ? 'Copy' : 'Move';
  const text =
    action === 'copy'
      ? `Copy ${name} (${formatBytes(model.bytes_on_disk)}) to another storage root? The copy is a second entry in My models.`
      : `Move ${name} (${formatBytes(model.bytes_on_disk)}) to another storage root? It leaves ${model.storage} once every file is verified on the new root.`;
  return (
    <Confirm
      testID={`${action}-${model.id}`}
      text={others.length ? text : 'There is no other storage root to use.'}
      confirmTitle={to ? `${verb} to ${to}` : verb}
      disabled={!to}
      busy={busy}
      onConfirm={() =>
        void run(async () => {
          const r = await transferModel(client, model.id, action, to!);
          await watchJob(store, r.download_id);
          return `${verb === 'Copy' ? 'Copying' : 'Moving'} ${name} to ${to}: follow it under Jobs.`;
        })
      }
      onCancel={onClose}
    >
      {others.length ? <RootChoice roots={others} value={to} onChange={setTo} label={`${verb} to`} /> : null}
      {error_}
    </Confirm>
  );
}
