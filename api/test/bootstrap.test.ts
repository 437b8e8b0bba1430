import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config/config.ts';
import { listMigrations } from '../src/db/migrate.ts';
import { adminConnection, adminQuery } from './helpers/db.ts';

const root = path.resolve(import.meta.dirname, '../..');
const bootstrap = path.join(root, 'db/bootstrap.sql');

function psql(vars: Record<string, string>) {
  const admin = adminConnection();
  const args = ['-X', '-q', '-h', admin.host, '-p', String(admin.port), '-U', admin.user!, '-d', 'postgres', '-f', bootstrap];
  for (const [k, v] of Object.entries(vars)) args.push('-v', `${k}=${v}`);
  return spawnSync('psql', args, { env: { ...process.env, PGPASSWORD: admin.password }, encoding: 'utf8' });
}

describe('db/bootstrap.sql', () => {
  const suffix = randomBytes(4).toString('hex');
  const vars = { DB_NAME: `boot_${suffix}`, DB_USER: `boot_app_${suffix}`, DB_PASS: `pa'ss ${suffix}` };
  let dir: string;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'd011dl-boot-'));
    const probe = spawnSync('psql', ['--version'], { encoding: 'utf8' });
    assert.equal(probe.status, 0, 'psql must be installed (Debian package postgresql-client; .ci/run installs it)');
  });
  after(async () => {
    await adminQuery(`DROP DATABASE IF EXISTS ${vars.DB_NAME} WITH (FORCE)`);
    await adminQuery(`DROP ROLE IF EXISTS ${vars.DB_USER}`);
    await rm(dir, { recursive: true, force: true });
  });

  it('includes every migration file', async () => {
    const sql = readFileSync(bootstrap, 'utf8');
    for (const m of await listMigrations()) {
      assert.match(sql, new RegExp(`^\\\\ir migrations/${m.file}$`, 'm'), `bootstrap.sql must include ${m.file}`);
      assert.match(sql, new RegExp(`VALUES \\('${m.version}'\\)`), `bootstrap.sql must record ${m.version}`);
    }
  });

  it('refuses to run without its variables', () => {
    const r = psql({ DB_NAME: 'x' });
    assert.match(r.stdout + r.stderr, /missing -v DB_USER/);
  });

  it('runs twice without error, then the API starts as the app role and works', async () => {
    for (const run of [1, 2]) {
      const r = psql(vars);
      assert.equal(r.status, 0, `run ${run}: ${r.stderr}`);
      assert.match(r.stdout, /D011DL database ready/);
    }
    const role = await adminQuery('SELECT rolsuper, rolcanlogin FROM pg_roles WHERE rolname = $1', [vars.DB_USER]);
    assert.deepEqual(role.rows[0], { rolsuper: false, rolcanlogin: true });
    const owners = await adminQuery("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'", [], vars.DB_NAME);
    assert.deepEqual(owners.rows, [{ tableowner: vars.DB_USER }], 'the app role owns every table');

    const admin = adminConnection();
    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      JWT_SECRET: randomBytes(32).toString('hex'),
      BCRYPT_ROUNDS: '10',
      DATA_DIR: path.join(dir, 'data'),
      STORAGE_ROOT: path.join(dir, 'data', 'models'),
      PGHOST: admin.host,
      PGPORT: String(admin.port),
      PGUSER: vars.DB_USER,
      PGPASSWORD: vars.DB_PASS,
      PGDATABASE: vars.DB_NAME,
    });
    const app = await buildApp(config);
    try {
      const health = await app.inject({ url: '/healthz' });
      assert.equal(health.statusCode, 200, health.body);
      const reg = await app.inject({ method: 'POST', url: '/auth/register', payload: { username: 'dba-made', password: 'password-123' } });
      assert.equal(reg.statusCode, 201);
      const login = await app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'dba-made', password: 'password-123' } });
      assert.equal(login.statusCode, 200);
    } finally {
      await app.close();
    }
    const versions = await adminQuery('SELECT version FROM schema_migrations ORDER BY version', [], vars.DB_NAME);
    assert.deepEqual(
      versions.rows.map((r) => r.version),
      (await listMigrations()).map((m) => m.version),
    );
  });
});
