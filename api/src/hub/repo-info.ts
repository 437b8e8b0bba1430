// Whether a repo is gated and whether this server may read its files, asked before a download so
// the portal can show a "gated" badge and the access link next to Download.
import type { RepoInfo } from '@d011dl/contract';
import { HttpError } from '../http-errors.ts';
import type { HubClient } from './hub-client.ts';

type InfoWithFiles = Awaited<ReturnType<HubClient['repoInfo']>> & { siblings?: Array<{ rfilename?: unknown }> };

export async function repoInfo(hub: HubClient, author: string, repo: string): Promise<RepoInfo> {
  const info = (await hub.repoInfo(author, repo)) as InfoWithFiles;
  const gated = info.gated === 'auto' || info.gated === 'manual' ? info.gated : false;
  let access: RepoInfo['access'] = 'granted';
  if (gated) {
    // the gate guards file contents only: one HEAD of a file says whether HF_TOKEN gets through
    const probe = info.siblings?.find((s) => typeof s.rfilename === 'string')?.rfilename as string | undefined;
    if (!probe) access = 'unknown';
    else {
      access = await hub.checkFileAccess(author, repo, info.sha, probe).then(
        () => 'granted' as const,
        (err: unknown) => (err instanceof HttpError && err.code === 'GatedRepo' ? ('needs-request' as const) : ('unknown' as const)),
      );
    }
  }
  return {
    author,
    repo,
    gated,
    private: info.private === true,
    access,
    request_url: gated ? `${hub.endpoint}/${encodeURIComponent(author)}/${encodeURIComponent(repo)}` : null,
    token: { owner: hub.credential.owner, hub_user: hub.credential.hubUser ?? null },
  };
}
