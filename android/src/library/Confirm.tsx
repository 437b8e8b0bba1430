import type { ReactNode } from 'react';
import { View } from 'react-native';
import { Body, Button, useTheme } from '../ui/theme';

/**
 * A question asked in place (an Alert does nothing in the web export, and an inline question is what
 * a screen reader meets next anyway): the text, what may be chosen, and the two answers.
 */
export function Confirm({ text, confirmTitle, onConfirm, onCancel, busy, danger, disabled, children, testID }: {
  text: string;
  confirmTitle: string;
  onConfirm: () => void;
  onCancel: () => void;
  busy?: boolean;
  danger?: boolean;
  disabled?: boolean;
  children?: ReactNode;
  testID?: string;
}) {
  const t = useTheme();
  return (
    <View testID={testID} accessibilityRole="alert" style={{ borderWidth: 1, borderColor: danger ? t.danger : t.warn, borderRadius: 8, padding: 12, marginTop: 8 }}>
      <Body>{text}</Body>
      {children}
      <Button kind={danger ? 'danger' : 'primary'} title={confirmTitle} onPress={onConfirm} busy={busy} disabled={disabled} />
      <Button kind="secondary" title="Cancel" onPress={onCancel} disabled={busy} />
    </View>
  );
}
