#!/usr/bin/env node
// node hubsim/src/cli.ts --port 8090 [--cdn-port 8091] [--catalog file.json] [--bandwidth-per-conn 25MB]
//   [--link-cap 300MB] [--latency 20] [--page-size 1000] [--cache-dir DIR] [--host ADDR]
import { parseArgs } from 'node:util';
import { loadCatalogFile, parseSize, startHubSim } from './index.ts';
import type { Faults } from './types.ts';

const USAGE = `usage: hubsim [--port 8090] [--cdn-port PORT] [--catalog file.json] [--bandwidth-per-conn 25MB]
              [--link-cap 300MB] [--latency MS] [--page-size N] [--cache-dir DIR] [--host ADDR]
Sizes: 25MB = 25e6 bytes/s, 25MiB = 25·2^20. Fault knobs can be changed at runtime: POST/PATCH/DELETE /_sim/faults.`;

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
  const cdnPort = int('cdn-port', values['cdn-port']) ?? (port === 0 ? 0 : port + 1);
  const pageSize = int('page-size', values['page-size']);

  const sim = await startHubSim({
    port,
    cdnPort,
    faults,
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
