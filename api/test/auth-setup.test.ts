import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { registerAndLogin, startTestApp, type TestApp } from './helpers/app.ts';

// The portal opens a fresh install on "Create the administrator account" when setup_required is true.
describe('GET /auth/config on a fresh install', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ ALLOW_REG: 'false' });
  });
  after(() => t.close());

  it('says setup is required until the first account exists, then not', async () => {
    assert.deepEqual((await t.app.inject({ url: '/auth/config' })).json(), { registration_open: true, setup_required: true });
    await registerAndLogin(t.app, 'first', 'first-user-pass');
    assert.deepEqual((await t.app.inject({ url: '/auth/config' })).json(), { registration_open: false, setup_required: false });
  });

  it('stays false with open registration once someone is there', async () => {
    const open = await startTestApp({ ALLOW_REG: 'true' });
    try {
      assert.deepEqual((await open.app.inject({ url: '/auth/config' })).json(), { registration_open: true, setup_required: true });
      await registerAndLogin(open.app, 'first', 'first-user-pass');
      assert.deepEqual((await open.app.inject({ url: '/auth/config' })).json(), { registration_open: true, setup_required: false });
    } finally {
      await open.close();
    }
  });
});
