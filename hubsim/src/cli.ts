#!/usr/bin/env node
// node hubsim/src/cli.ts --port 8090 [--cdn-port 8091] [--catalog file.json] [--bandwidth-per-conn 25MB]
//   [--link-cap 300MB] [--latency 20] [--page-size 1000] [--cache-dir DIR] [--host ADDR] [live-Hub knobs, see USAGE]
import { parseArgs } from 'node:util';
import { loadCatalogFile, parseSize, startHubSim } from './index.ts';
import type { CdnEtagMode, Faults, LiveOptions, SignedUrlStyle } from './types.ts';

const USAGE = `usage: hubsim [--port 8090] [--cdn-port PORT] [--catalog file.json] [--bandwidth-per-conn 25MB]
              [--link-cap 300MB] [--latency MS] [--page-size N] [--cache-dir DIR] [--host ADDR]
              [--cdn-etag none|per-response|stable] [--signed-urls amz|cloudfront|both|off] [--url-ttl S]
              [--rate-limits on|off] [--rate-window S] [--quota-anon API/RESOLVERS] [--quota-user API/RESOLVERS]
              [--gzip on|off] [--max-plain-get SIZE|off] [--bridge-max SIZE|off] [--outage S[:refuse|drop|503[:hub|cdn|both]]]
Sizes: 25MB = 25e6 bytes/s, 25MiB = 25·2^20. Every live-Hub knob defaults to the live Hub's behaviour.
Knobs can be changed at runtime: POST/PATCH/DELETE /_sim/faults (incl. outages) and /_sim/live.`;

function onOff(name: string, v: string): boolean {
  if (v === 'on') return true;
  if (v === 'off') return false;
  throw new Error(`--${name} must be on or off`);
}

function quotas(name: string, v: string): { api: number; resolvers: number } {
  const m = /^(\d+)\/(\d+)$/.exec(v);
  if (!m) throw new Error(`--${name} must be API/RESOLVERS, e.g. 500/3000`);
  return { api: Number(m[1]), resolvers: Number(m[2]) };
}

function liveOptions(v: Record<string, string | boolean | undefined>): LiveOptions {
  const str = (k: string): string | undefined => (typeof v[k] === 'string' ? v[k] : undefined);
  const live: LiveOptions = {};
  const etag = str('cdn-etag');
  if (etag) live.cdnEtag = etag as CdnEtagMode;
  const signed = str('signed-urls');
  if (signed) live.signedUrls = signed as SignedUrlStyle;
  const ttl = str('url-ttl');
  if (ttl) live.urlTtlSeconds = Number(ttl);
  // unlike startHubSim (see liveDefaults), the CLI enforces the live quotas unless told otherwise
  const rl = str('rate-limits');
  live.rateLimits = true;
  if (rl && !onOff('rate-limits', rl)) live.rateLimits = false;
  else {
    const window = str('rate-window');
    const anon = str('quota-anon');
    const user = str('quota-user');
    if (window || anon || user) {
      live.rateLimits = {
        ...(window ? { windowSeconds: Number(window) } : {}),
        ...(anon ? { anonymous: quotas('quota-anon', anon) } : {}),
        ...(user ? { user: quotas('quota-user', user) } : {}),
      };
    }
  }
  const gzip = str('gzip');
  if (gzip) live.gzip = onOff('gzip', gzip);
  for (const [flag, key] of [
    ['max-plain-get', 'maxPlainGetSize'],
    ['bridge-max', 'bridgeMaxSize'],
  ] as const) {
    const size = str(flag);
    if (size) live[key] = size === 'off' ? false : size;
  }
  return live;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '8090' },
      'cdn-port': { type: 'string' },
      catalog: { type: 'string' },
      'bandwidth-per-conn': { type: 'string' },
      'link-cap': { type: 'string' },
      latency: { type: 'string' },
      'page-size': { type: 'string' },
      'cache-dir': { type: 'string' },
      host: { type: 'string' },
      'cdn-etag': { type: 'string' },
      'signed-urls': { type: 'string' },
      'url-ttl': { type: 'string' },
      'rate-limits': { type: 'string' },
      'rate-window': { type: 'string' },
      'quota-anon': { type: 'string' },
      'quota-user': { type: 'string' },
      gzip: { type: 'string' },
      'max-plain-get': { type: 'string' },
      'bridge-max': { type: 'string' },
      outage: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const int = (name: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer`);
    return n;
  };
  const port = int('port', values.port) ?? 8090;
  const faults: Faults = {};
  if (values['bandwidth-per-conn']) faults.bandwidthPerConn = parseSize(values['bandwidth-per-conn']);
  if (values['link-cap']) faults.linkBandwidth = parseSize(values['link-cap']);
  const latency = int('latency', values.latency);
  if (latency) faults.latencyMs = latency;
  if (values.outage) {
    // an outage from the start: the Hub is down when the client begins
    const [seconds, mode, server] = values.outage.split(':');
    faults.outage = { seconds: Number(seconds), ...(mode ? { mode: mode as 'refuse' } : {}), ...(server ? { server: server as 'hub' } : {}) };
  }
  const cdnPort = int('cdn-port', values['cdn-port']) ?? (port === 0 ? 0 : port + 1);
  const pageSize = int('page-size', values['page-size']);

  const sim = await startHubSim({
    port,
    cdnPort,
    faults,
    live: liveOptions(values),
    ...(values.catalog ? { catalog: await loadCatalogFile(values.catalog) } : {}),
    ...(values['cache-dir'] ? { cacheDir: values['cache-dir'] } : {}),
    ...(pageSize ? { pageSize } : {}),
    ...(values.host ? { host: values.host } : {}),
  });
  console.log(`hubsim hub ${sim.url}`);
  console.log(`hubsim cdn ${sim.cdnUrl}`);
  console.log(`HF_ENDPOINT=${sim.url}`);
  const f = sim.faults.get();
  if (f.bandwidthPerConn || f.linkBandwidth || f.latencyMs) console.log(`hubsim faults ${JSON.stringify(f)}`);
  console.log(`hubsim live ${JSON.stringify(sim.live.get())}`);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`hubsim: ${signal}, shutting down`);
    void sim.close().then(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(`hubsim: ${err instanceof Error ? err.message : String(err)}`);
  console.error(USAGE);
  process.exit(1);
});
