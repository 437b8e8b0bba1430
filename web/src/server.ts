// The portal's process: reads its settings from the environment (and .env), listens on PORT_WEB.
import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { buildWebApp } from './app.ts';
import { loadWebConfig, WebConfigError, type WebConfig } from './config.ts';

const file = process.env.ENV_FILE ?? '.env';
const env = existsSync(file) ? { ...parseEnv(readFileSync(file, 'utf8')), ...process.env } : process.env;

let config: WebConfig;
try {
  config = loadWebConfig(env);
} catch (err) {
  if (!(err instanceof WebConfigError)) throw err;
  console.error(err.message);
  process.exit(78);
}

const app = buildWebApp({ apiBaseUrl: config.apiBaseUrl, secret: config.secret, trustProxy: config.trustProxy, portalSecret: config.portalSecret, accessLog: true });
const server = app.listen(config.port, config.host, () => console.log(`D011DL portal on http://${config.host}:${config.port} (API ${config.apiBaseUrl})`));
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 5000).unref();
  });
}
