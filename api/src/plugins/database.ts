import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { AppConfig, PgConnection } from '../config/config.ts';
import { startEmbeddedPostgres, type EmbeddedCluster } from '../db/embedded.ts';
import { migrate } from '../db/migrate.ts';
import { createPool, type Db } from '../db/pool.ts';

declare module 'fastify' {
  interface FastifyInstance {
    db: Db;
    // for components that open their own connections (the job queue)
    pgConnection: PgConnection;
  }
}

// Opens the database (starting the embedded PostgreSQL when no PGHOST is configured), brings the
// schema up to date, and closes both when the app closes.
export default fp(
  async function database(app: FastifyInstance, opts: { config: AppConfig }) {
    let cluster: EmbeddedCluster | null = null;
    let connection = opts.config.pg;
    if (!connection) {
      cluster = await startEmbeddedPostgres(opts.config.dataDir, app.log, 'd011dl', { program: 'the API', apiPort: opts.config.port });
      connection = cluster.connection;
    }
    const db = createPool(connection, opts.config.pgPoolMax);
    try {
      const applied = await migrate(db);
      if (applied.length) app.log.info({ applied }, 'database migrations applied');
    } catch (err) {
      await db.end();
      await cluster?.stop();
      throw err;
    }
    app.decorate('db', db);
    app.decorate('pgConnection', connection);
    app.addHook('onClose', async () => {
      await db.end();
      await cluster?.stop();
    });
  },
  { name: 'database' },
);
