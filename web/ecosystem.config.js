// pm2-runtime web/ecosystem.config.js: the portal in production (one process; it is stateless).
// This package is ESM; the string export makes require() (what pm2 uses) return the config itself.
// Settings (API_BASE_URL, PORT_WEB, HOST, WEB_SECRET, TRUST_PROXY) come from the environment and
// .env, read by src/server.ts; `env` below must not set them, since pm2's `env` wins over the
// environment it was started in.
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const config = {
  apps: [
    {
      name: 'd011dl-web',
      script: path.join(root, 'web', 'src', 'server.ts'),
      cwd: process.cwd(),
      interpreter: 'node',
      instances: 1,
      exec_mode: 'fork',
      autorestart: true,
      max_memory_restart: '300M',
      kill_timeout: 6000,
      env: { NODE_ENV: process.env.NODE_ENV || 'production' },
    },
  ],
};
export default config;
export { config as 'module.exports' };
