import { createContext, useContext, useMemo, useState, type ReactNode } from 'react';
import { ApiClient } from './api/client';
import { defaultStore, type KeyValueStore } from './api/storage';

export interface Session {
  client: ApiClient;
  store: KeyValueStore;
  signedIn: boolean;
  signIn(baseUrl: string, username: string, password: string): Promise<void>;
  signOut(): Promise<void>;
  /** true once stored tokens have been loaded */
  ready: boolean;
  restore(): Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ children, store, fetchImpl }: { children: ReactNode; store?: KeyValueStore; fetchImpl?: typeof fetch }) {
  const [signedIn, setSignedIn] = useState(false);
  const [ready, setReady] = useState(false);
  const kv = useMemo(() => store ?? defaultStore(), [store]);
  const client = useMemo(() => new ApiClient({ store: kv, fetch: fetchImpl, onAuthLost: () => setSignedIn(false) }), [kv, fetchImpl]);
  const value = useMemo<Session>(
    () => ({
      client,
      store: kv,
      signedIn,
      ready,
      async restore() {
        const has = await client.restore();
        setSignedIn(has);
        setReady(true);
      },
      async signIn(baseUrl, username, password) {
        await client.setBaseUrl(baseUrl);
        await client.login(username, password);
        setSignedIn(true);
      },
      async signOut() {
        await client.logout();
        setSignedIn(false);
      },
    }),
    [client, kv, signedIn, ready],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}
