import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, EXAMPLE_JWT_SECRET, loadConfig } from '../src/config/config.ts';

const secret = 'x'.repeat(40);
const problems = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems.join('\n');
  }
  assert.fail('expected a ConfigError');
};

describe('config', () => {
  it('has working defaults for a fresh clone (development, embedded database, ./data)', () => {
    const c = loadConfig({});
    assert.equal(c.env, 'development');
    assert.equal(c.port, 32002);
    assert.equal(c.auth.bcryptRounds, 12);
    assert.equal(c.auth.allowRegistration, false);
    assert.equal(c.auth.accessTokenTtlS, 900);
    assert.equal(c.pg, null);
    assert.equal(c.dataDir, path.resolve('data'));
    assert.equal(c.storageRoot, path.resolve('data/models'));
    assert.equal(c.hub.endpoint, 'https://huggingface.co');
  });

  it('reads every setting', () => {
    const c = loadConfig({
      NODE_ENV: 'production',
      JWT_SECRET: secret,
      PORT_API: '4000',
      BCRYPT_ROUNDS: '10',
      ALLOW_REG: 'true',
      STORAGE_ROOT: '/media/models',
      DATA_DIR: '/var/lib/d011dl',
      HF_ENDPOINT: 'http://hub.local:8080/',
      HF_TOKEN: 'hf_abc',
      PGHOST: 'db',
      PGPORT: '5433',
      PGUSER: 'app',
      PGPASSWORD: 'pw',
      PGDATABASE: 'd011dl',
    });
    assert.equal(c.port, 4000);
    assert.equal(c.auth.bcryptRounds, 10);
    assert.equal(c.auth.allowRegistration, true);
    assert.equal(c.storageRoot, '/media/models');
    assert.equal(c.hub.endpoint, 'http://hub.local:8080');
    assert.equal(c.hub.token, 'hf_abc');
    assert.deepEqual(c.pg, { host: 'db', port: 5433, user: 'app', password: 'pw', database: 'd011dl', ssl: undefined });
  });

  it('names each bad variable', () => {
    const p = problems({ PORT_API: 'abc', BCRYPT_ROUNDS: '9', ALLOW_REG: 'maybe', HF_ENDPOINT: 'not a url' });
    assert.match(p, /^PORT_API: /m);
    assert.match(p, /^BCRYPT_ROUNDS: must be between 10 and 12 \(got "9"\)/m);
    assert.match(p, /^ALLOW_REG: must be true or false/m);
    assert.match(p, /^HF_ENDPOINT: must be a URL/m);
  });

  it('reads LOG_FORMAT as pretty or json, unset meaning "decide by the terminal"', () => {
    assert.equal(loadConfig({}).logFormat, undefined);
    assert.equal(loadConfig({ LOG_FORMAT: 'json' }).logFormat, 'json');
    assert.equal(loadConfig({ LOG_FORMAT: 'pretty' }).logFormat, 'pretty');
    assert.match(problems({ LOG_FORMAT: 'xml' }), /^LOG_FORMAT: /m);
  });

  it('refuses a missing, short or example JWT secret outside development', () => {
    assert.match(problems({ NODE_ENV: 'production' }), /JWT_SECRET: is required/);
    assert.match(problems({ NODE_ENV: 'production', JWT_SECRET: 'short' }), /JWT_SECRET: must be at least 32/);
    assert.match(problems({ NODE_ENV: 'production', JWT_SECRET: EXAMPLE_JWT_SECRET }), /JWT_SECRET: still the example value/);
  });

  it('never echoes a secret in its error', () => {
    const p = problems({ NODE_ENV: 'production', JWT_SECRET: 'short-secret-value', HF_TOKEN: 'nothf_secret' });
    assert.doesNotMatch(p, /short-secret-value|nothf_secret/);
    assert.match(p, /HF_TOKEN: Hugging Face tokens start with "hf_"/);
  });

  it('reads TRUST_PROXY as true/false or a list of addresses, CIDRs, keywords and host names', () => {
    assert.equal(loadConfig({}).trustProxy, false);
    assert.equal(loadConfig({ TRUST_PROXY: 'false' }).trustProxy, false);
    assert.equal(loadConfig({ TRUST_PROXY: 'TRUE' }).trustProxy, true);
    assert.deepEqual(loadConfig({ TRUST_PROXY: 'web, 10.0.0.0/8,loopback,::1,proxy.lan' }).trustProxy, ['web', '10.0.0.0/8', 'loopback', '::1', 'proxy.lan']);
    for (const bad of ['10.0.0.0/33', 'web proxy', '1.2.3', 'http://web', '10.0.0.1/8/2']) {
      assert.match(problems({ TRUST_PROXY: bad }), /^TRUST_PROXY: must be true, false, or a comma-separated list/m, bad);
    }
  });

  it('treats empty values as unset, as docker-compose env files do', () => {
    assert.equal(loadConfig({ PGHOST: '', HF_TOKEN: '' }).pg, null);
  });
});
