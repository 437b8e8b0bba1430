import { useCallback, useEffect, useState } from 'react';
import type { TreeEntry } from '@d011dl/contract';
import { errorMessage, type ApiClient } from '../api/client';

export interface FullTree {
  /** every entry of the revision, once all pages are in; [] while loading */
  files: TreeEntry[];
  loading: boolean;
  /** entries received so far while loading, for the progress line */
  received: number;
  error: string;
  reload: () => void;
}

/**
 * The whole recursive listing of a revision, every page (following next_cursor) before any of it is
 * shown: "Select all", folder counts and sizes would be wrong on a partial tree (a 5,000-file repo
 * is several pages).
 */
export function useFullTree(client: ApiClient, author: string, repo: string, revision: string): FullTree {
  const [files, setFiles] = useState<TreeEntry[]>([]);
  const [loading, setLoading] = useState(true);
  const [received, setReceived] = useState(0);
  const [error, setError] = useState('');
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let alive = true;
    setFiles([]);
    setLoading(true);
    setReceived(0);
    setError('');
    (async () => {
      const all: TreeEntry[] = [];
      const seen = new Set<string>();
      let cursor: string | null = null;
      try {
        do {
          const page = await client.tree({ author, repo, revision, recursive: true, cursor: cursor ?? undefined });
          if (!alive) return;
          all.push(...page.files);
          setReceived(all.length);
          // a cursor seen before would loop for ever: stop with what is there
          cursor = page.next_cursor && !seen.has(page.next_cursor) ? page.next_cursor : null;
          if (cursor) seen.add(cursor);
        } while (cursor);
        setFiles(all);
      } catch (e) {
        if (alive) setError(errorMessage(e));
      } finally {
        if (alive) setLoading(false);
      }
    })();
    return () => {
      alive = false;
    };
  }, [client, author, repo, revision, attempt]);

  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  return { files, loading, received, error, reload };
}
