import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TrustedProxies, trustEntryKind } from '../src/plugins/trusted-proxies.ts';

describe('trusted proxies', () => {
  it('reads entries as addresses or host names', () => {
    assert.equal(trustEntryKind('uniquelocal'), 'address');
    assert.equal(trustEntryKind('172.18.0.0/16'), 'address');
    assert.equal(trustEntryKind('fd00::/8'), 'address');
    assert.equal(trustEntryKind('web'), 'name');
    assert.equal(trustEntryKind('proxy.example.com'), 'name');
    for (const bad of ['', '1.2.3', '10.0.0.0/40', 'a b', 'web/16', '-web']) assert.equal(trustEntryKind(bad), null, bad);
  });

  it('trusts what a name resolves to, follows a new address, and keeps the old one while the name does not resolve', async () => {
    let answer: string[] | Error = new Error('ENOTFOUND web');
    const p = new TrustedProxies(['web', '10.1.0.0/16'], async () => {
      if (answer instanceof Error) throw answer;
      return answer;
    });
    await p.refresh();
    assert.equal(p.trust('10.1.2.3', 0), true, 'fixed CIDR');
    assert.equal(p.trust('172.18.0.5', 0), false, 'the portal has not started yet');
    answer = ['172.18.0.5'];
    await p.refresh();
    assert.equal(p.trust('172.18.0.5', 0), true);
    assert.equal(p.trust('::ffff:172.18.0.5', 0), true, 'IPv4-mapped form of the same peer');
    answer = ['172.18.0.9'];
    await p.refresh();
    assert.equal(p.trust('172.18.0.5', 0), false, 'a restarted portal has a new address');
    assert.equal(p.trust('172.18.0.9', 0), true);
    answer = new Error('EAI_AGAIN');
    await p.refresh();
    assert.equal(p.trust('172.18.0.9', 0), true, 'a failed lookup keeps the last answer');
  });
});
