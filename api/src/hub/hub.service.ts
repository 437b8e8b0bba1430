import type { ParsedHfUrl, Ref, RefKind, RefsResponse, TreeEntry, TreeResponse } from '@d011dl/contract';
import { HttpError } from '../http-errors.ts';
import type { HubClient, HubRef, HubTreeEntry } from './hub-client.ts';
import { parseLink, resolveLink } from './resolve-link.ts';

const toRef =
  (kind: RefKind) =>
  (r: HubRef): Ref => ({ name: r.name, kind, ref: r.ref, commit: r.targetCommit });

export function toTreeEntry(e: HubTreeEntry): TreeEntry {
  const entry: TreeEntry = { path: e.path, type: e.type === 'file' ? 'file' : 'dir', size_bytes: e.type === 'file' ? e.size : 0, oid: e.oid };
  if (e.lfs?.oid) entry.lfs_sha256 = e.lfs.oid;
  return entry;
}

export function createHubService(hub: HubClient) {
  // A self-hosted mirror or the simulator: links to it are accepted like huggingface.co links.
  const endpointHost = new URL(hub.endpoint).host;

  return {
    /** A pasted link or bare repo id, settled against the repo's real refs (api/src/hub/resolve-link.ts). */
    async parseUrl(url: string): Promise<ParsedHfUrl> {
      return resolveLink(hub, parseLink(url, [endpointHost]));
    },

    async refs(author: string, repo: string, includePrs: boolean): Promise<RefsResponse> {
      const refs = await hub.refs(author, repo, includePrs);
      return {
        branches: refs.branches.map((b) => b.name),
        tags: refs.tags.map((t) => t.name),
        refs: [...refs.branches.map(toRef('branch')), ...refs.tags.map(toRef('tag')), ...(includePrs ? (refs.pullRequests ?? []).map(toRef('pr')) : [])],
      };
    },

    /** Pins a branch, tag or short sha to the full commit it points at now. */
    async resolveCommit(author: string, repo: string, revision: string): Promise<string> {
      const info = await hub.repoInfo(author, repo, revision);
      if (!/^[0-9a-f]{40}$/.test(info.sha ?? '')) throw new HttpError(502, 'HubUnavailable', 'Hugging Face did not say which commit the revision points at');
      return info.sha;
    },

    /** Every entry of the repo at a commit, all pages. */
    async listAll(author: string, repo: string, commit: string): Promise<HubTreeEntry[]> {
      const all: HubTreeEntry[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 10_000; page++) {
        const r = await hub.treePage(author, repo, commit, { recursive: true, cursor });
        all.push(...r.entries);
        if (!r.nextCursor) return all;
        cursor = r.nextCursor;
      }
      throw new HttpError(502, 'HubUnavailable', 'the file listing did not end');
    },

    checkFileAccess: hub.checkFileAccess,

    async tree(q: {
      author: string;
      repo: string;
      revision: string;
      path?: string | undefined;
      recursive?: boolean | undefined;
      cursor?: string | undefined;
    }): Promise<TreeResponse> {
      const recursive = q.recursive ?? !q.path;
      const page = await hub.treePage(q.author, q.repo, q.revision, { path: q.path, recursive, cursor: q.cursor });
      return { files: page.entries.map(toTreeEntry), next_cursor: page.nextCursor };
    },
  };
}

export type HubService = ReturnType<typeof createHubService>;
