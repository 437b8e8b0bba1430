// scripts/check-node.cjs: on a Node older than 24, npm install / start / test stop with words.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, it } from 'node:test';
import { root } from './helpers.ts';

const guard = createRequire(import.meta.url)(path.join(root, 'scripts/check-node.cjs')) as { problem(v: { node?: string }): string | null };
const scripts = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).scripts as Record<string, string>;

// Debian and Ubuntu ship Node 20 as /usr/bin/node; CI machines of this project have it beside Node 24.
const oldNode = ['/usr/bin/node', '/usr/local/bin/node18', '/usr/bin/nodejs'].find((n) => {
  if (!existsSync(n)) return false;
  const v = spawnSync(n, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim();
  return Number(v.split('.')[0]) < 24;
});

describe('the Node.js version guard', () => {
  it('names the version found and how to get Node 24', () => {
    const msg = guard.problem({ node: '20.19.2' });
    assert.match(msg ?? '', /^D011DL needs Node\.js 24 or newer \(found 20\.19\.2\)/);
    assert.match(msg ?? '', /nvm install 24/);
    assert.match(msg ?? '', /nodesource/i);
    assert.match(msg ?? '', /nodejs\.org/);
    assert.match(guard.problem({ node: '23.11.0' }) ?? '', /found 23\.11\.0/);
    assert.equal(guard.problem({ node: '24.0.0' }), null);
    assert.equal(guard.problem({ node: '25.2.1' }), null);
    assert.equal(guard.problem(process.versions), null, 'this Node passes');
  });

  it('runs first in npm install, npm start and npm test', () => {
    // the Docker builds (api/Dockerfile.api, web/Dockerfile.web) install without scripts/ and on Node 24
    assert.equal(scripts.preinstall, 'test ! -f scripts/check-node.cjs || node scripts/check-node.cjs');
    assert.match(scripts.start ?? '', /^node scripts\/check-node\.cjs && /);
    assert.match(scripts.test ?? '', /^node scripts\/check-node\.cjs && /);
  });

  it('stops npm start and npm test on a real old Node, before any TypeScript', { skip: !oldNode && 'no Node older than 24 on this machine' }, () => {
    for (const name of ['start', 'test', 'preinstall']) {
      // what npm runs: the script line in a shell, with the old Node first on PATH
      const r = spawnSync('/bin/sh', ['-c', scripts[name]!], {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, PATH: `${path.dirname(oldNode!)}:${process.env.PATH}` },
      });
      assert.equal(r.status, 1, `${name}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /^D011DL needs Node\.js 24 or newer \(found 2?\d\./, name);
      assert.doesNotMatch(r.stderr, /ERR_UNKNOWN_FILE_EXTENSION/);
    }
  });
});
