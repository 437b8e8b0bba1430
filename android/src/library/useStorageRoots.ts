import { useCallback, useEffect, useState } from 'react';
import type { StorageRoot } from '@d011dl/contract';
import type { ApiClient } from '../api/client';
import { errorMessage } from '../api/client';
import { storageRoots } from '../api/library';

/**
 * The server's storage roots (GET /storage). `roots` stays empty until they are known, or when they
 * cannot be had: callers then offer no root choice, and the server uses its default root.
 */
export function useStorageRoots(client: ApiClient) {
  const [roots, setRoots] = useState<StorageRoot[]>([]);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState('');
  const reload = useCallback(async () => {
    try {
      setRoots(await storageRoots(client));
      setError('');
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setLoaded(true);
    }
  }, [client]);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { roots, loaded, error, reload };
}

/** The root a choice starts on: the default one when it can be used, else the first that can. */
export function firstUsable(roots: readonly StorageRoot[], except?: string): string | null {
  const usable = roots.filter((r) => r.ok && r.name !== except);
  return (usable.find((r) => r.is_default) ?? usable[0])?.name ?? null;
}
