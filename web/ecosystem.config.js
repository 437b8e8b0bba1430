// pm2-runtime web/ecosystem.config.js: the portal in production (one process; it is stateless).
// This package is ESM; the string export makes require() (what pm2 uses) return the config itself.
const config = {
  apps: [
    {
      name: 'd011dl-web',
      script: 'web/src/server.ts',
      interpreter: 'node',
      instances: 1,
      exec_mode: 'fork',
      autorestart: true,
      max_memory_restart: '300M',
      env: { NODE_ENV: 'production', PORT_WEB: '32001' },
    },
  ],
};
export default config;
export { config as 'module.exports' };
