import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { HubSim } from '@d011dl/hubsim';
import { bearer } from './app.ts';

export async function waitForStatus(app: FastifyInstance, token: string, id: string, statuses: string[], timeoutMs = 60_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  let last: any;
  while (Date.now() < deadline) {
    last = (await app.inject({ url: `/downloads/${id}`, headers: bearer(token) })).json();
    if (statuses.includes(last.status)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`download ${id} did not reach ${statuses.join('/')}: ${JSON.stringify(last)}`);
}

/** Every file of the repo at `rev` (or the listed ones) is on disk, byte for byte. */
export async function assertFilesExact(
  sim: HubSim,
  storageRoot: string,
  repoId: string,
  rev: string,
  folder: string,
  only?: (p: string) => boolean,
): Promise<number> {
  const expected = (await sim.expectedFiles(repoId, rev)).filter((f) => !only || only(f.path));
  for (const f of expected) {
    const onDisk = await readFile(path.join(storageRoot, ...repoId.split('/'), folder, ...f.path.split('/')));
    const want = await sim.fileBytes(repoId, rev, f.path);
    assert.equal(onDisk.length, f.size, f.path);
    assert.equal(createHash('sha256').update(onDisk).digest('hex'), createHash('sha256').update(want).digest('hex'), `${f.path} differs`);
  }
  return expected.length;
}

/** Reads until `ok` holds (every 100 ms), else fails naming what was awaited and the last value read. */
export async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T;
  do {
    last = await read();
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  } while (Date.now() < deadline);
  throw new Error(`${what}: ${JSON.stringify(last)}`);
}
