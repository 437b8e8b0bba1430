import { useEffect } from 'react';
import { Stack } from 'expo-router';
import { StatusBar } from 'expo-status-bar';
import { useColorScheme } from 'react-native';
import * as Notifications from 'expo-notifications';
import { registerJobCheck } from '../src/jobs/background';
import { SessionProvider, useSession } from '../src/session';

Notifications.setNotificationHandler({
  handleNotification: async () => ({ shouldShowBanner: true, shouldShowList: true, shouldPlaySound: false, shouldSetBadge: false }),
});
import { useTheme } from '../src/ui/theme';

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

export default function RootLayout() {
  return (
    <SessionProvider>
      <Nav />
    </SessionProvider>
  );
}
