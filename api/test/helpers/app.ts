import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.ts';
import { loadConfig, type AppConfig, type PgConnection } from '../../src/config/config.ts';
import { createTestDatabase } from './db.ts';

export interface TestApp {
  app: FastifyInstance;
  config: AppConfig;
  dir: string;
  close(): Promise<void>;
}

/** Settings of an API under test: its own folder and database; `extra` overrides any of them. */
export function testEnv(dir: string, db: { connection: PgConnection; name: string }, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    JWT_SECRET: randomBytes(32).toString('hex'),
    BCRYPT_ROUNDS: '10',
    DATA_DIR: path.join(dir, 'data'),
    STORAGE_ROOT: path.join(dir, 'data', 'models'),
    HF_ENDPOINT: 'http://127.0.0.1:9',
    PGHOST: db.connection.host,
    PGPORT: String(db.connection.port),
    PGUSER: db.connection.user!,
    PGPASSWORD: db.connection.password!,
    PGDATABASE: db.name,
    ...extra,
  };
}

/** The real app on a database of its own, a temp storage root, and the given hub endpoint. */
export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'd011dl-test-'));
  const db = await createTestDatabase();
  const config = loadConfig(testEnv(dir, db, env));
  const app = await buildApp(config);
  await app.ready();
  return {
    app,
    config,
    dir,
    async close() {
      await app.close();
      await db.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function registerAndLogin(
  app: FastifyInstance,
  username = 'alice',
  password = 'correct horse battery',
): Promise<{ token: string; refresh: string; userId: string }> {
  const reg = await app.inject({ method: 'POST', url: '/auth/register', payload: { username, password } });
  if (reg.statusCode !== 201) throw new Error(`register ${username}: ${reg.statusCode} ${reg.body}`);
  const login = await app.inject({ method: 'POST', url: '/auth/login', payload: { username, password } });
  if (login.statusCode !== 200) throw new Error(`login ${username}: ${login.statusCode} ${login.body}`);
  const body = login.json();
  return { token: body.token, refresh: body.refresh_token, userId: body.user.id };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
