import { useEffect } from 'react';
import { Stack } from 'expo-router';
import { StatusBar } from 'expo-status-bar';
import { useColorScheme } from 'react-native';
import { ShareIntentProvider } from 'expo-share-intent';
import type { KeyValueStore } from './api/storage';
import { registerJobCheck } from './jobs/background';
import { SessionProvider, useSession } from './session';
import { ShareIntake } from './share/ShareIntake';
import { SharedLinkProvider } from './share/SharedLinkContext';
import { useTheme } from './ui/theme';

function Nav() {
  const t = useTheme();
  const scheme = useColorScheme();
  const { restore } = useSession();
  useEffect(() => {
    void restore();
    void registerJobCheck().catch(() => undefined);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  return (
    <>
      <StatusBar style={scheme === 'dark' ? 'light' : 'dark'} />
      <ShareIntake />
      <Stack
        screenOptions={{
          headerStyle: { backgroundColor: t.card },
          headerTintColor: t.text,
          contentStyle: { backgroundColor: t.bg },
        }}
      >
        <Stack.Screen name="index" options={{ title: 'Sign in' }} />
        <Stack.Screen name="paste" options={{ title: 'Paste a link' }} />
        <Stack.Screen name="browse" options={{ title: 'Browse' }} />
        <Stack.Screen name="job/[id]" options={{ title: 'Download' }} />
        <Stack.Screen name="models" options={{ title: 'My models' }} />
      </Stack>
    </>
  );
}

/** The root layout's content (app/_layout.tsx); `store` and `fetchImpl` are for tests. */
export function AppRoot({ store, fetchImpl }: { store?: KeyValueStore; fetchImpl?: typeof fetch }) {
  return (
    <ShareIntentProvider>
      <SessionProvider store={store} fetchImpl={fetchImpl}>
        <SharedLinkProvider>
          <Nav />
        </SharedLinkProvider>
      </SessionProvider>
    </ShareIntentProvider>
  );
}
