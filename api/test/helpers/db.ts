import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { PgConnection } from '../../src/config/config.ts';

// The cluster scripts/test.ts started for this run.
export function adminConnection(database = 'postgres'): PgConnection {
  const { TEST_PGHOST, TEST_PGPORT, TEST_PGUSER, TEST_PGPASSWORD } = process.env;
  if (!TEST_PGHOST) throw new Error('TEST_PGHOST is not set: run the tests with `npm test` (scripts/test.ts starts PostgreSQL)');
  return { host: TEST_PGHOST, port: Number(TEST_PGPORT), user: TEST_PGUSER, password: TEST_PGPASSWORD, database };
}

export async function adminQuery(sql: string, params: unknown[] = [], database = 'postgres') {
  const client = new pg.Client(adminConnection(database));
  await client.connect();
  try {
    return await client.query(sql, params);
  } finally {
    await client.end();
  }
}

/** A fresh, empty database of its own for one test file; dropped by `drop()`. */
export async function createTestDatabase(): Promise<{ connection: PgConnection; name: string; drop(): Promise<void> }> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  return {
    name,
    connection: adminConnection(name),
    drop: async () => {
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}
