import type { ReactNode } from 'react';
import { Redirect } from 'expo-router';
import { useSession } from './session';
import { Body, Screen } from './ui/theme';

/**
 * For routes that call the API. On a cold start (a notification tap, a deep link) the route renders
 * before the stored server address and tokens are loaded: the screen waits for them instead of calling
 * the API with no address ("Enter the server address first."), and goes to sign-in when there is none.
 */
export function RequireSession({ children }: { children: ReactNode }) {
  const { ready, signedIn } = useSession();
  if (!ready) {
    return (
      <Screen>
        <Body muted testID="session-loading">Loading…</Body>
      </Screen>
    );
  }
  if (!signedIn) return <Redirect href="/" />;
  return <>{children}</>;
}
