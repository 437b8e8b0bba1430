import { loadDotEnv } from '@d011dl/contract/env';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import { ConfigError, loadConfig } from './config/config.ts';

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig(loadDotEnv());
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(78); // EX_CONFIG
  }
  throw err;
}

let app: FastifyInstance;
try {
  app = await buildApp(config);
} catch (err) {
  // e.g. DATA_DIR in use by another D011DL, or PostgreSQL's own reason for not starting
  console.error(`D011DL API could not start: ${(err as Error).message ?? String(err)}`);
  process.exit(1);
}

let closing = false;
function shutdown(reason: string, code = 0) {
  if (closing) return;
  closing = true;
  app.log.info({ reason }, 'shutting down');
  const force = setTimeout(() => process.exit(1), 30_000);
  force.unref();
  app.close().then(
    () => process.exit(code),
    (err) => {
      app.log.error({ err }, 'shutdown failed');
      process.exit(1);
    },
  );
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => shutdown(signal));
// Started by `npm start` (scripts/start.ts): its IPC channel closes when it dies, even by SIGKILL, and we
// must not outlive it. Under pm2 or in a container there is no such launcher and this does nothing.
if (process.env.D011DL_LAUNCHER === '1' && process.connected) process.on('disconnect', () => shutdown('npm start is gone'));

try {
  await app.listen({ host: config.host, port: config.port });
} catch (err) {
  const e = err as NodeJS.ErrnoException;
  console.error(
    e.code === 'EADDRINUSE'
      ? `D011DL API could not start: port ${config.port} is taken (is D011DL already running? Otherwise set PORT_API)`
      : `D011DL API could not listen on ${config.host}:${config.port}: ${e.message}`,
  );
  shutdown('listen failed', 1);
}
if (!closing && process.env.D011DL_LAUNCHER === '1' && process.connected) {
  process.send?.({ event: 'ready', service: 'api', port: config.port, dataDir: config.dataDir, storageRoot: config.storageRoot, embeddedDb: !config.pg });
}
