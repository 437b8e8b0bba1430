// The API's log as a person sees it in a terminal (readable lines) and as machines get it (JSON).
// A real terminal comes from util-linux's `script`, which runs the API on a pseudo-terminal.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../helpers/net.ts';
import { answers, childrenOf, root, userEnv, waitFor } from './helpers.ts';

const hasScript = spawnSync('script', ['--version']).status === 0;

describe('API logs', { skip: !hasScript && 'needs `script` (util-linux) for a terminal' }, () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'd011dl-logs-'));
    await chmod(dir, 0o755);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  async function onTerminal(extra: Record<string, string>): Promise<string> {
    const port = await freePort();
    const env = userEnv({ DATA_DIR: path.join(dir, 'data'), PORT_API: String(port), ...extra });
    const cmd = `exec ${JSON.stringify(process.execPath)} ${JSON.stringify(path.join(root, 'api/src/server.ts'))}`;
    const p = spawn('script', ['-qfec', cmd, '/dev/null'], { cwd: dir, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    const exited = new Promise((r) => p.on('exit', r));
    try {
      await waitFor(
        async () => p.exitCode === null && (await answers(`http://127.0.0.1:${port}/healthz`)),
        () => `never healthy:\n${out}`,
      );
      await waitFor(
        () => /route.*\/healthz|\/healthz.*route/.test(out),
        () => `no request line:\n${out}`,
      );
    } finally {
      for (const pid of childrenOf(p.pid!)) process.kill(pid, 'SIGTERM');
      await exited;
    }
    return out;
  }

  it('are readable lines on a terminal by default', async () => {
    const out = await onTerminal({});
    assert.doesNotMatch(out, /\{"level":/, 'no JSON on a terminal');
    assert.match(out, /INFO.*Server listening at http:\/\/127\.0\.0\.1:\d+/);
    assert.match(out, /INFO.*request.*"route":"\/healthz"/);
  });

  it('are JSON lines with LOG_FORMAT=json, even on a terminal', async () => {
    const out = await onTerminal({ LOG_FORMAT: 'json' });
    const line = out.split(/\r?\n/).find((l) => l.includes('"route":"/healthz"'));
    assert.ok(line, out);
    assert.equal(JSON.parse(line).status, 200);
  });
});
