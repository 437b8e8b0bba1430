// Shared setup for the engine tests: a hub simulator, temp folders, tasks built from the sim's tree.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CatalogConfig, HubSim, RequestRecord } from '../../../hubsim/src/index.ts';
import type { EngineOptions, FileEvent, FileTask } from '../../src/engine/index.ts';
import { resolveUrlOf } from '../../src/hub/resolve-url.ts';

export const MiB = 1024 * 1024;

export async function tempDir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'd011dl-engine-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export function resolveUrl(sim: HubSim, repo: string, commit: string, repoPath: string): string {
  return resolveUrlOf(sim.url, repo, commit, repoPath);
}

/** Tasks for files of a repo at a revision, pinned to its commit, as the job runner builds them. */
export async function tasksFor(sim: HubSim, repo: string, root: string, only?: (p: string) => boolean, rev = 'main'): Promise<FileTask[]> {
  const commit = sim.commitSha(repo, rev);
  const files = (await sim.expectedFiles(repo, rev)).filter((f) => !only || only(f.path));
  return files.map((f) => ({
    path: f.path,
    size: f.size,
    ...(f.lfs ? { sha256: f.sha256! } : { gitOid: f.oid }),
    url: resolveUrl(sim, repo, commit, f.path),
    dest: path.join(root, ...f.path.split('/')),
  }));
}

export async function taskFor(sim: HubSim, repo: string, root: string, repoPath: string): Promise<FileTask> {
  const [task] = await tasksFor(sim, repo, root, (p) => p === repoPath);
  assert.ok(task, `${repo} has no ${repoPath}`);
  return task;
}

export interface Recorder {
  events: FileEvent[];
  bytes: number;
  types(): string[];
}

/** Engine options for tests: short delays, and a record of events and reported bytes. */
export function testOptions(sim: HubSim, extra: Partial<EngineOptions> = {}): EngineOptions & { rec: Recorder } {
  const rec: Recorder = {
    events: [],
    bytes: 0,
    types: () => rec.events.map((e) => e.type),
  };
  return {
    hubOrigin: sim.url,
    segmentConnections: 8,
    retries: 5,
    stallTimeoutMs: 3_000,
    retryBaseMs: 10,
    retryMaxMs: 200,
    // fail once the quick retries are spent, as before outages were waited out (engine-outage.test.ts)
    outageTimeoutMs: 0,
    onBytes: (_p, d) => {
      rec.bytes += d;
    },
    onEvent: (e) => {
      rec.events.push(e);
    },
    ...extra,
    rec,
  };
}

export const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** The file at dest holds exactly what the Hub serves for that path. */
export async function assertExact(sim: HubSim, repo: string, task: FileTask, rev = 'main'): Promise<void> {
  const [got, want] = await Promise.all([readFile(task.dest), sim.fileBytes(repo, rev, task.path)]);
  assert.equal(got.length, want.length, `${task.path}: size`);
  assert.equal(sha256(got), sha256(want), `${task.path}: content`);
}

export async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

/** GETs of file bodies (CDN, resolve-cache, direct resolve) for one repo path. */
export function bodyRequests(sim: HubSim, repoPath: string): RequestRecord[] {
  return sim.stats.requests.filter(
    (r) =>
      r.method === 'GET' &&
      (r.status === 200 || r.status === 206) &&
      (r.server === 'cdn' ? r.url.includes(encodeURIComponent(repoPath)) || r.url.includes(repoPath) : r.path.endsWith(`/${repoPath}`)),
  );
}

/** A catalog with one big LFS file, for segmentation, stealing, cancel and crash tests. */
export function bigCatalog(sizeMiB: number): CatalogConfig {
  return {
    tokens: { hf_alice_token: 'alice' },
    repos: [
      {
        id: 'acme/big',
        commits: [{ id: 'c1', files: { '.gitattributes': '*.bin filter=lfs diff=lfs merge=lfs -text\n', 'big.bin': { lfs: { size: sizeMiB * MiB + 7 } } } }],
        refs: { branches: { main: 'c1' } },
      },
    ],
  };
}
