// The portal's process: reads its settings from the environment, listens on PORT_WEB.
import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { buildWebApp } from './app.ts';

const file = process.env.ENV_FILE ?? '.env';
const env = existsSync(file) ? { ...parseEnv(readFileSync(file, 'utf8')), ...process.env } : process.env;

const problems: string[] = [];
const apiBaseUrl = env.API_BASE_URL ?? '';
if (!/^https?:\/\/[^/]+/.test(apiBaseUrl)) problems.push('API_BASE_URL must be the API\'s http(s) URL, e.g. http://localhost:32002');
const port = Number(env.PORT_WEB ?? 32001);
if (!Number.isInteger(port) || port < 1 || port > 65535) problems.push('PORT_WEB must be a port number (1-65535)');
if (env.WEB_SECRET !== undefined && env.WEB_SECRET.length < 32) problems.push('WEB_SECRET must be at least 32 characters');
if (problems.length) {
  console.error(`Invalid settings:\n- ${problems.join('\n- ')}`);
  process.exit(78);
}
const tp = env.TRUST_PROXY;
const trustProxy = tp === undefined || tp === '' || tp === 'false' ? undefined : tp === 'true' ? true : tp;

const app = buildWebApp({ apiBaseUrl, secret: env.WEB_SECRET, trustProxy, accessLog: true });
const server = app.listen(port, env.HOST ?? '0.0.0.0', () => console.log(`D011DL portal on http://${env.HOST ?? '0.0.0.0'}:${port} (API ${apiBaseUrl})`));
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 5000).unref();
  });
}
