// Hugging Face Hub simulator: a hub server (API, resolve, raw) and a separate-hostname LFS CDN.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SimState } from './context.ts';
import { defaultCatalog } from './default-catalog.ts';
import { FaultState } from './faults.ts';
import { closeServers, listenServers } from './listen.ts';
import { LiveState } from './live.ts';
import { OutageSockets } from './outage.ts';
import { UrlSigner } from './signed-url.ts';
import { RepoStore } from './repo-store.ts';
import { cdnHandler, hubHandler } from './servers.ts';
import { StatsCollector } from './stats.ts';
import type { HubSim, StartOptions } from './types.ts';

export type {
  CatalogConfig,
  CommitSpec,
  ExpectedFile,
  FaultControl,
  FaultRule,
  Faults,
  FileSpec,
  GeneratedFilesSpec,
  BucketQuotas,
  CdnEtagMode,
  HubSim,
  LiveControl,
  LiveOptions,
  LiveSettings,
  OutageSpec,
  RateLimitSettings,
  RepoSpec,
  SignedUrlStyle,
  RequestRecord,
  SimStats,
  SizeSpec,
  StartOptions,
} from './types.ts';
export { defaultCatalog } from './default-catalog.ts';
export { liveDefaults, LIVE_RATE_LIMITS } from './live.ts';
export { loadCatalogFile } from './catalog-file.ts';
export { parseSize } from './units.ts';
export { generateBytes } from './content.ts';

export const DEFAULT_CACHE_DIR = join(tmpdir(), 'd011dl-hubsim-cache');

export async function startHubSim(opts: StartOptions = {}): Promise<HubSim> {
  const store = new RepoStore(opts.catalog ?? defaultCatalog, opts.cacheDir ?? DEFAULT_CACHE_DIR);
  const faults = new FaultState();
  if (opts.faults) faults.set(opts.faults);
  const live = new LiveState(opts.live);
  const stats = new StatsCollector();
  const sim: SimState = { store, faults, live, signer: new UrlSigner(), stats, cdnUrl: '', pageSize: opts.pageSize ?? 1000 };
  const urls = { url: '', cdnUrl: '' };

  // the CDN must have a different hostname than the hub, so clients drop Authorization on the redirect
  const cdn = await listenServers(cdnHandler(sim), opts.cdnPort ?? 0, opts.host ?? '127.0.0.1');
  urls.cdnUrl = sim.cdnUrl = `http://127.0.0.1:${cdn.port}`;
  let hub: Awaited<ReturnType<typeof listenServers>>;
  try {
    hub = await listenServers(hubHandler(sim, urls), opts.port ?? 0, opts.host);
  } catch (err) {
    await closeServers(cdn.servers);
    throw err;
  }
  urls.url = `http://localhost:${hub.port}`;
  const servers = [...hub.servers, ...cdn.servers];
  const outage = new OutageSockets({ hub: hub.servers, cdn: cdn.servers });
  faults.onOutage = (o) => outage.apply(o);
  if (faults.outage) outage.apply(faults.outage);
  let closing: Promise<void> | undefined;

  return {
    url: urls.url,
    cdnUrl: urls.cdnUrl,
    faults,
    live,
    stats,
    mutateFile: (repoId, path, newSeed, revision) => store.mutate(repoId, path, newSeed, revision),
    advanceBranch: (repoId, branch, change) => store.advance(repoId, branch, change),
    commitSha: (repoId, revision) => store.resolveOrThrow(repoId, revision).commit.sha,
    expectedFiles: (repoId, revision) => store.expectedFiles(repoId, revision),
    fileBytes: async (repoId, revision, path) => store.fileBytes(repoId, revision, path),
    close: () => {
      if (!closing) {
        outage.close();
        faults.onOutage = () => {};
        faults.reset();
        closing = closeServers(servers);
      }
      return closing;
    },
  };
}
