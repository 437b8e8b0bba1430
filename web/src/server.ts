// The portal's process: reads its settings from the environment (and .env), listens on PORT_WEB.
import { loadDotEnv } from '@d011dl/contract/env';
import { buildWebApp } from './app.ts';
import { loadWebConfig, WebConfigError, type WebConfig } from './config.ts';

const env = loadDotEnv();

let config: WebConfig;
try {
  config = loadWebConfig(env);
} catch (err) {
  if (!(err instanceof WebConfigError)) throw err;
  console.error(err.message);
  process.exit(78);
}

const app = buildWebApp({
  apiBaseUrl: config.apiBaseUrl,
  secret: config.secret,
  trustProxy: config.trustProxy,
  portalSecret: config.portalSecret,
  accessLog: true,
});
const server = app.listen(config.port, config.host);
server.once('listening', () => {
  console.log(`D011DL portal on http://${config.host}:${config.port} (API ${config.apiBaseUrl})`);
  if (process.env.D011DL_LAUNCHER === '1' && process.connected) process.send?.({ event: 'ready', service: 'web', port: config.port, host: config.host });
});
// Before any word of success: a taken port is the usual sign of a second D011DL on this machine.
server.once('error', (err: NodeJS.ErrnoException) => {
  console.error(
    err.code === 'EADDRINUSE'
      ? `D011DL portal could not start: port ${config.port} is taken (is D011DL already running? Otherwise set PORT_WEB)`
      : `D011DL portal could not listen on ${config.host}:${config.port}: ${err.message}`,
  );
  process.exit(1);
});
function stop() {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 5000).unref();
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, stop);
// Started by `npm start` (scripts/start.ts): when it dies, even by SIGKILL, its IPC channel closes and we
// go too. Under pm2 or in a container there is no such launcher.
if (process.env.D011DL_LAUNCHER === '1' && process.connected) process.on('disconnect', stop);
