import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { startHubSim } from '@d011dl/hubsim';
import { bearer, registerAndLogin, startTestApp } from '../helpers/app.ts';
import { waitForStatus } from '../helpers/downloads.ts';
import { PARTIAL_SUFFIX } from '../../src/engine/sidecar.ts';

const MiB = 1024 * 1024;

describe('a disk that fills up during a download', () => {
  it('fails the job saying so, keeps finished files, and leaves nothing corrupt at a final path', async (t) => {
    const mnt = await mkdtemp(path.join(os.tmpdir(), 'd011dl-full-'));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', mnt], { stdio: 'pipe' });
    } catch (err) {
      await rm(mnt, { recursive: true, force: true });
      if (process.env.CI) throw new Error(`cannot mount a tmpfs here (needs root): ${String(err)}`);
      return t.skip('cannot mount a tmpfs here (needs root)');
    }
    const sim = await startHubSim();
    const app = await startTestApp({
      HF_ENDPOINT: sim.url,
      STORAGE_ROOT: mnt,
      DISK_RESERVE_MB: '0',
      LOG_DIR: path.join(os.tmpdir(), `d011dl-full-logs-${process.pid}`),
    });
    try {
      const token = (await registerAndLogin(app.app)).token;
      sim.faults.set({ bandwidthPerConn: 1 * MiB });
      const res = await app.app.inject({
        method: 'POST',
        url: '/downloads',
        headers: bearer(token),
        payload: { author: 'TheBloke', repo: 'Demo-GGUF', revision: 'main' },
      });
      assert.equal(res.statusCode, 202, res.body);
      const id = res.json().download_id;
      await waitForStatus(app.app, token, id, ['running']);
      await new Promise((r) => setTimeout(r, 500));
      // something else takes the space the job was counting on
      await writeFile(path.join(mnt, 'filler'), Buffer.alloc(13 * MiB)).catch(() => {});
      const d = await waitForStatus(app.app, token, id, ['succeeded', 'failed'], 60_000);
      assert.equal(d.status, 'failed', d.log);
      assert.match(d.error, /space/i);
      const files = (await app.app.inject({ url: `/downloads/${id}/files`, headers: bearer(token) })).json().files as Array<{ path: string; status: string }>;
      const dir = path.join(mnt, 'TheBloke', 'Demo-GGUF', 'main');
      const expected = new Map((await sim.expectedFiles('TheBloke/Demo-GGUF', 'main')).map((f) => [f.path, f.size]));
      for (const f of files) {
        const final = path.join(dir, f.path);
        if (f.status === 'done') assert.ok(existsSync(final), `${f.path} kept`);
        else assert.ok(!existsSync(final), `${f.path}: nothing at the final path`);
      }
      for (const name of await readdir(dir)) {
        if (name.includes(PARTIAL_SUFFIX)) continue;
        const size = (await import('node:fs/promises')).stat(path.join(dir, name)).then((s) => s.size);
        assert.equal(await size, expected.get(name), `${name} is complete`);
      }
    } finally {
      sim.faults.reset();
      await app.close();
      await sim.close();
      execFileSync('umount', [mnt]);
      await rm(mnt, { recursive: true, force: true });
    }
  });
});
