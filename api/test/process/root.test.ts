// As root, from a clone inside a folder closed to other users (like /root, mode 0700): npm start must
// work with no manual step. PostgreSQL then runs as the "postgres" system user from a copy of its
// programs in /var/lib/d011dl/pg-<version>, with the cluster in /var/lib/d011dl/clusters/<hash>/pg.
// The clone here is a hard-linked copy of this one (same files, no disk), so what is tested is
// exactly the 0700 ancestor above both the programs in node_modules and DATA_DIR.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { lstatSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { freePort } from '../helpers/net.ts';
import { alive, answers, postmasterPid, root, start, userEnv, waitFor, waitServing, type Running } from './helpers.ts';

const isRoot = process.getuid?.() === 0;

describe('as root, from a clone in a 0700 folder', { skip: !isRoot && 'only as root' }, () => {
  let closed: string;
  let cluster: string | undefined;
  const running: Running[] = [];
  after(async () => {
    for (const r of running) if (r.proc.exitCode === null && r.proc.signalCode === null) r.proc.kill('SIGTERM');
    await Promise.all(running.map((r) => r.exited));
    if (cluster) await rm(path.dirname(cluster), { recursive: true, force: true });
    if (closed) await rm(closed, { recursive: true, force: true });
  });

  it('npm start works, with PostgreSQL as the postgres user in /var/lib/d011dl, and again after a stop', async () => {
    closed = await mkdtemp(path.join(os.tmpdir(), 'd011dl-root-')); // mode 0700, as /root
    const clone = path.join(closed, 'clone');
    await mkdir(clone);
    const parts = ['package.json', 'api', 'contract', 'db', 'hubsim', 'scripts', 'web', 'node_modules'].map((p) => path.join(root, p));
    execFileSync('cp', ['-al', ...parts, clone]);
    const dataDir = path.join(clone, 'data');

    const run = async () => {
      const [api, web] = [await freePort(), await freePort()];
      const r = start(path.join(clone, 'scripts/start.ts'), userEnv({ DATA_DIR: dataDir, PORT_API: String(api), PORT_WEB: String(web) }), clone);
      running.push(r);
      await waitServing(`http://127.0.0.1:${api}/healthz`, r);
      await waitFor(
        () => r.out().includes('Stop with Ctrl-C'),
        () => `no banner:\n${r.out()}`,
      );
      assert.ok(await answers(`http://127.0.0.1:${web}/login`));
      return r;
    };

    const first = await run();
    const out = first.out();
    assert.match(out, /cannot reach .*node_modules.*, so PostgreSQL runs from a copy in \/var\/lib\/d011dl\/pg-[\w.-]+/);
    const m = /so the database lives in (\/var\/lib\/d011dl\/clusters\/[0-9a-f]{12}\/pg) \(/.exec(out);
    assert.ok(m, `one line says where the database lives:\n${out}`);
    cluster = m[1]!;
    assert.ok(lstatSync(path.join(dataDir, 'pg')).isSymbolicLink(), 'DATA_DIR/pg records where the cluster is');
    assert.equal(readlinkSync(path.join(dataDir, 'pg')), cluster);
    const pm = postmasterPid(cluster)!;
    const uid = Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pm}/status`, 'utf8'))![1]);
    assert.equal(uid, Number(execFileSync('id', ['-u', 'postgres']).toString()), 'PostgreSQL runs as the postgres user');
    assert.match(readlinkSync(`/proc/${pm}/exe`), /^\/var\/lib\/d011dl\/pg-[\w.-]+\/bin\/postgres$/);

    first.proc.kill('SIGINT');
    assert.equal(await first.exited, 0, first.out());
    await waitFor(
      () => !alive(pm),
      () => 'postmaster still running',
    );

    const second = await run();
    assert.doesNotMatch(second.out(), /initialising/, 'the second start finds the cluster');
    second.proc.kill('SIGTERM');
    assert.equal(await second.exited, 0, second.out());
    assert.equal(postmasterPid(cluster), null, 'PostgreSQL stopped cleanly');
    assert.equal(statSync(closed).mode & 0o777, 0o700, 'no permission outside the project was changed');
  });
});
