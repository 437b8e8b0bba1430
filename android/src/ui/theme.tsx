import { type ReactNode } from 'react';
import {
  ActivityIndicator,
  Pressable,
  StyleSheet,
  Text,
  TextInput,
  View,
  useColorScheme,
  type TextInputProps,
  type ViewStyle,
} from 'react-native';

export const palettes = {
  light: { bg: '#ffffff', card: '#f3f4f6', text: '#111827', muted: '#6b7280', border: '#d1d5db', primary: '#2563eb', danger: '#dc2626', ok: '#16a34a', warn: '#d97706' },
  dark: { bg: '#0b0f17', card: '#161b26', text: '#e5e7eb', muted: '#9ca3af', border: '#374151', primary: '#60a5fa', danger: '#f87171', ok: '#4ade80', warn: '#fbbf24' },
};
export type Palette = typeof palettes.light;

export function useTheme(): Palette {
  return useColorScheme() === 'dark' ? palettes.dark : palettes.light;
}

export function Screen({ children, style }: { children: ReactNode; style?: ViewStyle }) {
  const t = useTheme();
  return <View style={[styles.screen, { backgroundColor: t.bg }, style]}>{children}</View>;
}

export function Label({ children }: { children: ReactNode }) {
  const t = useTheme();
  return <Text style={[styles.label, { color: t.muted }]}>{children}</Text>;
}

export function Body({ children, muted, style, testID }: { children: ReactNode; muted?: boolean; style?: object; testID?: string }) {
  const t = useTheme();
  return <Text testID={testID} style={[{ color: muted ? t.muted : t.text, fontSize: 15 }, style]}>{children}</Text>;
}

export function Field(props: TextInputProps) {
  const t = useTheme();
  return (
    <TextInput
      placeholderTextColor={t.muted}
      autoCapitalize="none"
      autoCorrect={false}
      {...props}
      style={[styles.input, { color: t.text, borderColor: t.border, backgroundColor: t.card }, props.style]}
    />
  );
}

export function Button({ title, onPress, disabled, busy, kind = 'primary', testID }: {
  title: string; onPress: () => void; disabled?: boolean; busy?: boolean; kind?: 'primary' | 'secondary' | 'danger'; testID?: string;
}) {
  const t = useTheme();
  const bg = kind === 'primary' ? t.primary : kind === 'danger' ? t.danger : t.card;
  const fg = kind === 'secondary' ? t.text : '#ffffff';
  return (
    <Pressable
      accessibilityRole="button"
      accessibilityState={{ disabled: Boolean(disabled || busy) }}
      disabled={disabled || busy}
      onPress={onPress}
      testID={testID}
      style={[styles.button, { backgroundColor: bg, opacity: disabled ? 0.5 : 1, borderColor: t.border }]}
    >
      {busy ? <ActivityIndicator color={fg} /> : <Text style={{ color: fg, fontWeight: '600' }}>{title}</Text>}
    </Pressable>
  );
}

export function ErrorText({ children }: { children: ReactNode }) {
  const t = useTheme();
  if (!children) return null;
  return <Text accessibilityRole="alert" style={{ color: t.danger, marginVertical: 8 }}>{children}</Text>;
}

const styles = StyleSheet.create({
  screen: { flex: 1, padding: 16, width: '100%', maxWidth: 720, alignSelf: 'center' },
  label: { fontSize: 13, marginTop: 12, marginBottom: 4 },
  input: { borderWidth: 1, borderRadius: 8, paddingHorizontal: 12, paddingVertical: 10, fontSize: 16 },
  button: { minHeight: 48, justifyContent: 'center', borderRadius: 8, paddingVertical: 12, paddingHorizontal: 16, alignItems: 'center', marginTop: 12, borderWidth: StyleSheet.hairlineWidth },
});
