import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from 'react';
import { sharedHfUrl, type SharedContent } from './sharedLink';

/** A share that the paste screen has not handled yet; kept across sign-in. `url` null: no Hugging Face link in it. */
export interface PendingShare {
  id: number;
  url: string | null;
}

interface SharedLinks {
  pending: PendingShare | null;
  /** Record a share (from the share sheet) for the paste screen. */
  offer(content: SharedContent): PendingShare;
  /** The paste screen has taken share `id`. */
  done(id: number): void;
}

const SharedLinkContext = createContext<SharedLinks | null>(null);

export function SharedLinkProvider({ children }: { children: ReactNode }) {
  const [pending, setPending] = useState<PendingShare | null>(null);
  const nextId = useRef(1);
  const offer = useCallback((content: SharedContent) => {
    const share = { id: nextId.current++, url: sharedHfUrl(content) };
    setPending(share);
    return share;
  }, []);
  const done = useCallback((id: number) => setPending((p) => (p?.id === id ? null : p)), []);
  const value = useMemo(() => ({ pending, offer, done }), [pending, offer, done]);
  return <SharedLinkContext.Provider value={value}>{children}</SharedLinkContext.Provider>;
}

export function useSharedLinks(): SharedLinks {
  const s = useContext(SharedLinkContext);
  if (!s) throw new Error('useSharedLinks outside SharedLinkProvider');
  return s;
}
