import { createContext, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { User } from '@d011dl/contract';
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
  /** the signed-in account, once known (from sign-in, or GET /auth/me after a restore: see useUser) */
  user: User | null;
  /** asks GET /auth/me once per session when the account is not known yet */
  loadUser(): Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ children, store, fetchImpl }: { children: ReactNode; store?: KeyValueStore; fetchImpl?: typeof fetch }) {
  const [signedIn, setSignedIn] = useState(false);
  const [ready, setReady] = useState(false);
  const [user, setUser] = useState<User | null>(null);
  const asking = useRef<Promise<void> | null>(null);
  const kv = useMemo(() => store ?? defaultStore(), [store]);
  const client = useMemo(() => new ApiClient({ store: kv, fetch: fetchImpl, onAuthLost: () => setSignedIn(false) }), [kv, fetchImpl]);
  const value = useMemo<Session>(
    () => ({
      client,
      store: kv,
      signedIn,
      ready,
      user,
      loadUser() {
        asking.current ??= client.me().then(setUser, () => {
          // unknown is treated as "not an administrator"; the API refuses what is not allowed anyway
          asking.current = null;
        });
        return asking.current;
      },
      async restore() {
        const has = await client.restore();
        setSignedIn(has);
        setReady(true);
      },
      async signIn(baseUrl, username, password) {
        await client.setBaseUrl(baseUrl);
        const res = await client.login(username, password);
        asking.current = null;
        setUser(res.user);
        setSignedIn(true);
      },
      async signOut() {
        await client.logout();
        asking.current = null;
        setUser(null);
        setSignedIn(false);
      },
    }),
    [client, kv, signedIn, ready, user],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}

/**
 * The signed-in account; after a restore it is asked of the API on first use (only screens that
 * show admin-only actions call this, so the other screens make no extra request).
 */
export function useUser(): User | null {
  const s = useSession();
  const { signedIn, user, loadUser } = s;
  useEffect(() => {
    if (signedIn && !user) void loadUser();
  }, [signedIn, user, loadUser]);
  return signedIn ? user : null;
}

/** Whether destructive library actions (delete, move, import) are offered: administrators only. */
export function useIsAdmin(): boolean {
  return useUser()?.is_admin === true;
}
