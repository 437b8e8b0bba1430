import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { buildApp } from './app.ts';
import { ConfigError, loadConfig } from './config/config.ts';
import { closeEngine } from './downloads/engine/index.ts';

// A .env file in the working directory adds settings; the real environment wins over it.
function environment(): NodeJS.ProcessEnv {
  const file = process.env.ENV_FILE ?? '.env';
  return existsSync(file) ? { ...parseEnv(readFileSync(file, 'utf8')), ...process.env } : process.env;
}

let config;
try {
  config = loadConfig(environment());
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(78); // EX_CONFIG
  }
  throw err;
}

const app = await buildApp(config);
let closing = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 30_000);
    force.unref();
    app.close().then(closeEngine).then(() => process.exit(0), (err) => { app.log.error({ err }, 'shutdown failed'); process.exit(1); });
  });
}
await app.listen({ host: config.host, port: config.port });
