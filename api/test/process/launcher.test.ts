// `npm start` (scripts/start.ts) as a person meets it: one banner when both parts are up, nothing left
// behind when the launcher is killed in any way, and a clear refusal for a second one.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { freePort } from '../helpers/net.ts';
import { alive, answers, childrenOf, owner, postmasterPid, root, start, userEnv, waitFor, waitServing, type Running } from './helpers.ts';

// the machine's npm, run by this Node (npm runs the scripts with the node first on PATH)
const npmPath = spawnSync('/bin/sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).stdout.trim();
const npmCli = npmPath ? realpathSync(npmPath) : '';

describe('npm start, the launcher', () => {
  let dir: string;
  const running: Running[] = [];
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'd011dl-launch-'));
    await chmod(dir, 0o755);
  });
  // a failed test stops what it started, so the next one starts from a quiet DATA_DIR
  afterEach(async () => {
    for (const r of running) if (r.proc.exitCode === null && r.proc.signalCode === null) r.proc.kill('SIGTERM');
    await Promise.all(running.map((r) => r.exited));
  });
  after(async () => {
    for (const r of running) if (r.proc.exitCode === null && r.proc.signalCode === null) r.proc.kill('SIGTERM');
    await Promise.all(running.map((r) => r.exited));
    await rm(dir, { recursive: true, force: true });
  });

  // viaNpm: `npm start` itself, as a person types it; else the launcher alone (as under a supervisor)
  async function launch(name: string, opts: { ports?: { api: number; web: number }; viaNpm?: boolean } = {}) {
    const p = opts.ports ?? { api: await freePort(), web: await freePort() };
    const dataDir = path.join(dir, name);
    const env = userEnv({ DATA_DIR: dataDir, PORT_API: String(p.api), PORT_WEB: String(p.web) });
    const r = opts.viaNpm
      ? start(npmCli, { ...env, PATH: `${path.dirname(process.execPath)}:${env.PATH}` }, root, process.execPath, ['start'])
      : start('scripts/start.ts', env, dir);
    running.push(r);
    return { r, dataDir, viaNpm: !!opts.viaNpm, ...p };
  }

  /** Every process of this D011DL: the launcher, its children, the database keeper and its postmaster. */
  async function family(l: Awaited<ReturnType<typeof launch>>) {
    await waitFor(
      () => l.r.out().includes('Stop with Ctrl-C'),
      () => `no banner:\n${l.r.out()}`,
    );
    const launcher = l.viaNpm ? childrenOf(l.r.proc.pid!) : [l.r.proc.pid!];
    assert.equal(launcher.length, 1, 'npm runs the launcher itself (exec), no shell in between');
    const kids = childrenOf(launcher[0]!);
    const o = owner(l.dataDir)!;
    const pm = postmasterPid(path.join(l.dataDir, 'pg'))!;
    assert.equal(kids.length, 2, 'the API and the portal');
    assert.ok(o.watcherPid && pm, 'the keeper and its postmaster');
    return [...launcher, ...kids, o.watcherPid!, pm];
  }

  it('prints one banner once both are ready: where to click, the API, the data, the first account, how to stop', async () => {
    const l = await launch('banner');
    await family(l);
    const out = l.r.out();
    assert.ok(await answers(`http://127.0.0.1:${l.api}/healthz`), 'the API is up when the banner shows');
    assert.ok(await answers(`http://127.0.0.1:${l.web}/login`), 'the portal is up when the banner shows');
    assert.equal(out.split('D011DL is ready.').length, 2, 'exactly one banner');
    assert.match(out, new RegExp(`Open the portal: +http://localhost:${l.web}`));
    assert.match(out, new RegExp(`API: +http://localhost:${l.api}`));
    assert.match(out, new RegExp(`Models go to: +${path.join(l.dataDir, 'models')}`));
    assert.match(out, /first account you create becomes the administrator/);
    assert.match(out, /Stop with Ctrl-C/);

    // a second npm start meanwhile: refused, saying what is taken, non-zero, and the first one untouched
    const second = await launch('banner', { ports: { api: l.api, web: l.web } });
    const code = await second.r.exited;
    assert.notEqual(code, 0, second.r.out());
    assert.match(second.r.out(), /port \d+ is taken \(is D011DL already running\?|is in use by D011DL \(pid \d+, API on port \d+\)/);
    assert.doesNotMatch(second.r.out(), /D011DL is ready/);
    assert.ok(await answers(`http://127.0.0.1:${l.api}/healthz`));
    assert.ok(await answers(`http://127.0.0.1:${l.web}/login`));

    // other ports, same DATA_DIR: the API names the running one
    const third = await launch('banner');
    assert.notEqual(await third.r.exited, 0, third.r.out());
    assert.match(third.r.out(), new RegExp(`DATA_DIR ${l.dataDir} is in use by D011DL \\(pid \\d+, API on port ${l.api}\\)`));
    assert.doesNotMatch(third.r.out(), /D011DL is ready/);
    assert.ok(await answers(`http://127.0.0.1:${l.api}/healthz`));

    l.r.proc.kill('SIGTERM');
    assert.equal(await l.r.exited, 0, l.r.out());
  });

  for (const [signal, viaNpm] of [
    ['SIGKILL', false],
    ['SIGKILL', true],
    ['SIGTERM', true],
  ] as const) {
    const who = viaNpm ? "npm's own process" : 'the launcher';
    it(`leaves no process behind when ${who} gets ${signal}, and the next start works`, { skip: viaNpm && !npmCli && 'no npm on PATH' }, async () => {
      const l = await launch(`${signal}-${viaNpm}`, { viaNpm });
      const pids = await family(l);
      l.r.proc.kill(signal);
      await l.r.exited;
      await waitFor(
        () => pids.every((p) => !alive(p)),
        () => `still running: ${pids.filter(alive).join(', ')}\n${l.r.out()}`,
        30_000,
      );
      assert.equal(owner(l.dataDir), null, 'the API stopped cleanly (it removes its owner record)');

      const again = await launch(`${signal}-${viaNpm}`, { viaNpm });
      await family(again);
      await waitServing(`http://127.0.0.1:${again.api}/healthz`, again.r);
      again.r.proc.kill('SIGTERM');
      await again.r.exited;
      await waitFor(
        () => owner(again.dataDir) === null,
        () => `not stopped:\n${again.r.out()}`,
        30_000,
      );
    });
  }
});
