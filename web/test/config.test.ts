import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadWebConfig, WebConfigError } from '../src/config.ts';

const problems = (env: Record<string, string>) => {
  try {
    loadWebConfig(env);
  } catch (err) {
    assert.ok(err instanceof WebConfigError);
    return err.problems.join('\n');
  }
  assert.fail('expected a WebConfigError');
};

describe('portal settings', () => {
  it('has defaults for everything but API_BASE_URL', () => {
    assert.deepEqual(loadWebConfig({ API_BASE_URL: 'http://api:32002' }), {
      apiBaseUrl: 'http://api:32002',
      port: 32001,
      host: '0.0.0.0',
      secret: undefined,
      portalSecret: undefined,
      trustProxy: undefined,
    });
    assert.match(problems({ API_BASE_URL: 'http://api:32002', PORTAL_SECRET: 'short-secret' }), /^PORTAL_SECRET: must be at least 32 characters [^\n]*$/m);
    assert.doesNotMatch(problems({ API_BASE_URL: 'http://api:32002', PORTAL_SECRET: 'short-secret' }), /short-secret/);
    assert.match(problems({}), /^API_BASE_URL: .* \(not set\)$/m);
  });

  // biome-ignore lint/suspicious/noTemplateCurlyInString: docker-compose's own syntax, quoted
  it('treats empty values as unset, as docker-compose passes `WEB_SECRET: ${WEB_SECRET:-}`', () => {
    const c = loadWebConfig({ API_BASE_URL: 'http://api:32002', WEB_SECRET: '', TRUST_PROXY: '', PORT_WEB: '' });
    assert.equal(c.secret, undefined);
    assert.equal(c.trustProxy, undefined);
    assert.equal(c.port, 32001);
  });

  it('names every bad variable at once, never echoing the secret', () => {
    const p = problems({ API_BASE_URL: 'api:32002', PORT_WEB: '70000', WEB_SECRET: 'too-short-secret' });
    assert.match(p, /^API_BASE_URL: must be the API's http\(s\) URL/m);
    assert.match(p, /^PORT_WEB: must be a port number/m);
    assert.match(p, /^WEB_SECRET: must be at least 32 characters$/m);
    assert.doesNotMatch(p, /too-short-secret/);
  });

  it('reads TRUST_PROXY as Express takes it', () => {
    const base = { API_BASE_URL: 'http://127.0.0.1:32002' };
    assert.equal(loadWebConfig({ ...base, TRUST_PROXY: 'true' }).trustProxy, true);
    assert.equal(loadWebConfig({ ...base, TRUST_PROXY: 'false' }).trustProxy, undefined);
    assert.equal(loadWebConfig({ ...base, TRUST_PROXY: 'loopback, 10.0.0.2' }).trustProxy, 'loopback, 10.0.0.2');
  });
});
