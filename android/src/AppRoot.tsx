import { useEffect } from 'react';
import { Stack, useRouter } from 'expo-router';
import { StatusBar } from 'expo-status-bar';
import { Platform, Pressable, Text, useColorScheme } from 'react-native';
import { ShareIntentProvider } from 'expo-share-intent';
import type { KeyValueStore } from './api/storage';
import { registerJobCheck } from './jobs/background';
import { NotificationTaps } from './jobs/NotificationTaps';
import { SessionProvider, useSession } from './session';
import { ShareIntake } from './share/ShareIntake';
import { SharedLinkProvider } from './share/SharedLinkContext';
import { useTheme } from './ui/theme';

/** The main navigation, in the header: the jobs list and the catalog from every signed-in screen. */
function NavLinks({ jobs = true, models = true }: { jobs?: boolean; models?: boolean }) {
  const t = useTheme();
  const router = useRouter();
  const link = (title: string, href: '/jobs' | '/models') => (
    <Pressable accessibilityRole="link" onPress={() => router.push(href)} style={{ minHeight: 48, minWidth: 48, justifyContent: 'center', paddingHorizontal: 8 }}>
      <Text style={{ color: t.primary, fontWeight: '600' }}>{title}</Text>
    </Pressable>
  );
  return (
    <>
      {jobs ? link('Jobs', '/jobs') : null}
      {models ? link('My models', '/models') : null}
    </>
  );
}

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
      {Platform.OS !== 'web' ? <NotificationTaps /> : null}
      <Stack
        screenOptions={{
          headerStyle: { backgroundColor: t.card },
          headerTintColor: t.text,
          contentStyle: { backgroundColor: t.bg },
        }}
      >
        <Stack.Screen name="index" options={{ title: 'Sign in' }} />
        <Stack.Screen name="paste" options={{ title: 'Paste a link', headerRight: () => <NavLinks models={false} /> }} />
        <Stack.Screen name="browse" options={{ title: 'Browse', headerRight: () => <NavLinks models={false} /> }} />
        <Stack.Screen name="job/[id]" options={{ title: 'Download', headerRight: () => <NavLinks /> }} />
        <Stack.Screen name="jobs" options={{ title: 'Jobs', headerRight: () => <NavLinks jobs={false} /> }} />
        <Stack.Screen name="models" options={{ title: 'My models', headerRight: () => <NavLinks models={false} /> }} />
        <Stack.Screen name="storage" options={{ title: 'Disk usage', headerRight: () => <NavLinks /> }} />
        <Stack.Screen name="account" options={{ title: 'Account', headerRight: () => <NavLinks /> }} />
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
