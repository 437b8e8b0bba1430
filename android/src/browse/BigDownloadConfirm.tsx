import { View } from 'react-native';
import { formatBytes, type StorageRoot } from '@d011dl/contract';
import { RootChoice } from '../library/RootChoice';
import { Body, Button, useTheme } from '../ui/theme';

/** Above this a download asks first: one tap on "Download whole repo" can mean hundreds of GB. */
export const CONFIRM_BYTES = 20_000_000_000;

export interface BigDownload {
  bytes: number;
  files: number;
  wholeRepo: boolean;
}

export function needsConfirm(plan: BigDownload): boolean {
  return plan.bytes > CONFIRM_BYTES;
}

/** With several storage roots every download asks first, for the root to download to. */
export function rootQuestion(plan: BigDownload): string {
  const what = `${plan.files} ${plan.files === 1 ? 'file' : 'files'}${plan.wholeRepo ? ', the whole repo' : ''}`;
  return `Download ${formatBytes(plan.bytes)} (${what}) to which storage root?`;
}

export function confirmText(plan: BigDownload): string {
  const what = `${plan.files} ${plan.files === 1 ? 'file' : 'files'}${plan.wholeRepo ? ', the whole repo' : ''}`;
  return `Download ${formatBytes(plan.bytes)} to the server? That is ${what}; it takes a while and needs that much free space.`;
}

/**
 * Asked in place of the download button (an Alert does nothing in the web export, and an inline
 * question is what a screen reader meets next anyway).
 */
export function BigDownloadConfirm({ plan, onConfirm, onCancel, roots = [], root = null, onRoot }: {
  plan: BigDownload;
  onConfirm: () => void;
  onCancel: () => void;
  /** more than one: the root is chosen here (POST /downloads `storage`) */
  roots?: readonly StorageRoot[];
  root?: string | null;
  onRoot?: (name: string) => void;
}) {
  const t = useTheme();
  const choose = roots.length > 1;
  return (
    <View testID={needsConfirm(plan) ? 'confirm-big' : 'confirm-root'} accessibilityRole="alert" style={{ borderWidth: 1, borderColor: t.warn, borderRadius: 8, padding: 12, marginTop: 8 }}>
      <Body>{needsConfirm(plan) ? confirmText(plan) : rootQuestion(plan)}</Body>
      {choose ? <RootChoice roots={roots} value={root} onChange={(n) => onRoot?.(n)} label="Download to" /> : null}
      <Button title={`Download ${formatBytes(plan.bytes)}${choose && root ? ` to ${root}` : ''}`} onPress={onConfirm} disabled={choose && !root} />
      <Button kind="secondary" title="Cancel" onPress={onCancel} />
    </View>
  );
}
