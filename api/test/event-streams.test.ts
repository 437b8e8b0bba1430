// An open event stream never holds the API's shutdown: the server ends its streams when it closes (a
// client that never goes away, e.g. a relay that missed its browser leaving, would otherwise keep
// app.close() waiting for good).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startHubSim, type HubSim } from '@d011dl/hubsim';
import { bearer, registerAndLogin, startTestApp, type TestApp } from './helpers/app.ts';

describe('event streams at shutdown', () => {
  let sim: HubSim;
  let t: TestApp;
  before(async () => {
    sim = await startHubSim();
    t = await startTestApp({ HF_ENDPOINT: sim.url, LOG_LEVEL: 'silent' });
  });
  after(async () => {
    await t.close();
    await sim.close();
  });

  it('ends the list stream when the app closes, so closing does not wait on its client', { timeout: 120_000 }, async () => {
    const { token } = await registerAndLogin(t.app);
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const res = await fetch(`${address}/downloads/events`, { headers: bearer(token) });
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('event: downloads')) {
      const { value, done } = await reader.read();
      assert.ok(!done, 'the stream ended before its first event');
      text += new TextDecoder().decode(value);
    }
    // the client stays: only the server can end it
    const closed = t.app.close();
    for (;;) {
      const { done } = await reader.read();
      if (done) break;
    }
    await closed;
  });
});
