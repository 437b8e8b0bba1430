import { View } from 'react-native';
import { formatBytes } from '@d011dl/contract';
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

export function confirmText(plan: BigDownload): string {
  const what = `${plan.files} ${plan.files === 1 ? 'file' : 'files'}${plan.wholeRepo ? ', the whole repo' : ''}`;
  return `Download ${formatBytes(plan.bytes)} to the server? That is ${what}; it takes a while and needs that much free space.`;
}

/**
 * Asked in place of the download button (an Alert does nothing in the web export, and an inline
 * question is what a screen reader meets next anyway).
 */
export function BigDownloadConfirm({ plan, onConfirm, onCancel }: { plan: BigDownload; onConfirm: () => void; onCancel: () => void }) {
  const t = useTheme();
  return (
    <View testID="confirm-big" accessibilityRole="alert" style={{ borderWidth: 1, borderColor: t.warn, borderRadius: 8, padding: 12, marginTop: 8 }}>
      <Body>{confirmText(plan)}</Body>
      <Button title={`Download ${formatBytes(plan.bytes)}`} onPress={onConfirm} />
      <Button kind="secondary" title="Cancel" onPress={onCancel} />
    </View>
  );
}
