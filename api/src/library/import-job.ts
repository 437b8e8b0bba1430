// An import job: a revision folder found on disk (import.service.ts) is checked against the Hub's tree at
// the commit its revision points at, file by file, and recorded in the catalog: files whose size and hash
// match are done, the others failed with the reason, and files on disk the Hub does not list are named in
// the log. Nothing is downloaded and nothing on disk is changed. A crash simply runs it again: every file
// is hashed anew (correct, and cheaper than trusting half-recorded state).
import { constants } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { catalogRepository as catalog, type ModelFileRow } from '../catalog/catalog.repository.ts';
import { withTransaction } from '../db/pool.ts';
import { downloadsRepository as repo, type DownloadRow } from '../downloads/downloads.repository.ts';
import { expandSelection } from '../downloads/downloads.service.ts';
import { ContentHasher, mismatch } from '../engine/hashing.ts';
import { PARTIAL_SUFFIX } from '../engine/sidecar.ts';
import { HttpError } from '../http-errors.ts';
import { JobInterrupted, type JobContext } from '../jobs/job-run.ts';
import { whileHubDown } from '../jobs/hub-wait.ts';
import { JobLog } from '../jobs/job-log.ts';
import { JobProgress } from '../jobs/job-progress.ts';
import { ProgressWriter } from '../jobs/progress-writer.ts';
import type { RunnableJob } from '../jobs/runnable-job.ts';
import { formatBytes } from '../storage/disk-space.ts';
import { finalPath } from '../storage/file-paths.ts';
import { modelDir, revisionFolder } from '../storage/layout.ts';
import { assertNoSymlinks, lstatOrNull, openNoFollow } from '../storage/safe-fs.ts';

const READ_CHUNK = 1024 * 1024;
// the log names this many extra files, then counts the rest
const EXTRAS_LOGGED = 50;
// `hf download --local-dir` keeps its bookkeeping here: not a model file
const HF_LOCAL_DIR_CACHE = '.cache/huggingface';

// the key of the job's own Hub calls among the progress's waiting files
const HUB_LISTING = '(the file list)';

type OnDisk = 'file' | 'link' | 'other';

/** Everything under `dir` by repo path, walking real folders only (a link is listed, never entered). */
async function walk(dir: string, rel = '', out = new Map<string, OnDisk>()): Promise<Map<string, OnDisk>> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    // D011DL's own partial files of an earlier download, and hf's bookkeeping
    if (p === HF_LOCAL_DIR_CACHE || (e.name.startsWith('.') && e.name.includes(PARTIAL_SUFFIX))) continue;
    if (e.isSymbolicLink()) out.set(p, 'link');
    else if (e.isDirectory()) await walk(path.join(dir, e.name), p, out);
    else out.set(p, e.isFile() ? 'file' : 'other');
  }
  return out;
}

/** Why a tracked file does not count as on disk by the walk, or null when it is a regular file there. */
function absence(onDisk: Map<string, OnDisk>, repoPath: string): string | null {
  const kind = onDisk.get(repoPath);
  if (kind === 'file') return null;
  if (kind === 'link') return 'a symbolic link on disk; D011DL does not follow links (put the file itself there)';
  if (kind === 'other') return 'not a regular file on disk';
  const parts = repoPath.split('/');
  for (let i = 1; i < parts.length; i++) {
    if (onDisk.get(parts.slice(0, i).join('/')) === 'link') return `missing: its folder ${parts.slice(0, i).join('/')} is a symbolic link, not followed`;
  }
  return 'missing: not on disk';
}

export class ImportJob implements RunnableJob {
  readonly controller = new AbortController();
  readonly #ctx: JobContext;
  readonly #d: DownloadRow;
  readonly #log: JobLog;
  readonly #progress = new JobProgress(0, 0);
  #filesTotal = 0;
  #commit: string | null;

  constructor(ctx: JobContext, d: DownloadRow) {
    this.#ctx = ctx;
    this.#d = d;
    this.#commit = d.commit_sha;
    this.#log = new JobLog(ctx.config.downloads.logDir, d.id, d.log, ctx.config.storageRoot);
  }

  async run(): Promise<void> {
    const { db } = this.#ctx;
    const writer = new ProgressWriter({
      db,
      downloadId: this.#d.id,
      progress: this.#progress,
      log: this.#log,
      logger: this.#ctx.logger,
      onCanceled: () => this.controller.abort('canceled'),
    });
    writer.start();
    let outcome: { error: string | null; paused?: string } = { error: null };
    try {
      outcome = await this.#import();
    } catch (err) {
      if (!this.controller.signal.aborted) outcome = { error: err instanceof HttpError ? err.message : `the import stopped: ${(err as Error).message}` };
    } finally {
      await writer.stop();
      await this.#settle(this.controller.signal.reason, outcome);
    }
  }

  async #import(): Promise<{ error: string | null; paused?: string }> {
    const d = this.#d;
    const { roots, hub, db } = this.#ctx;
    if (!roots.has(d.storage)) return { error: `the storage root "${d.storage}" is no longer configured (STORAGE_ROOTS)` };
    const storage = await roots.guard(d.storage).state();
    if (!storage.ok) return { error: null, paused: storage.message };
    const dir = modelDir(storage.root, d.author, d.repo, d.revision);
    await assertNoSymlinks(storage.root, [d.author, d.repo, revisionFolder(d.revision)]);
    if (!(await lstatOrNull(dir))?.isDirectory()) return { error: `the folder ${roots.displayPath(d)} is not on disk any more` };

    const repoId = `${d.author}/${d.repo}`;
    if (!this.#commit) {
      try {
        this.#commit = await this.#askHub(() => hub.resolveCommit(d.author, d.repo, d.revision));
      } catch (err) {
        if (err instanceof HttpError && err.statusCode === 404) {
          // the files stay on disk untouched; the catalog keeps the entry, with this reason on its job
          return { error: `${repoId}@${d.revision} cannot be checked against the Hub: ${err.message} The folder is left as it is.` };
        }
        throw err;
      }
    }
    const commit = this.#commit;
    const targets = expandSelection(await this.#askHub(() => hub.listAll(d.author, d.repo, commit)), []);
    for (const t of targets) finalPath(dir, t.path);
    const bytesTotal = targets.reduce((n, t) => n + t.size, 0);
    await withTransaction(db, async (tx) => {
      // every file is checked again, whatever an earlier attempt recorded
      const ids = await catalog.upsertFiles(tx, d.model_id, targets, true);
      await repo.linkFiles(tx, d.id, ids);
      await repo.setTarget(tx, d.id, { commitSha: commit, filesTotal: targets.length, bytesTotal });
    });
    const files = await catalog.filesOfDownload(db, d.id);
    this.#filesTotal = files.length;
    this.#progress.bytesTotal = bytesTotal;
    this.#log.line(`import: checking ${files.length} files (${formatBytes(bytesTotal)}) on disk against ${repoId} at commit ${commit}; nothing is downloaded`);

    const onDisk = await walk(dir);
    for (const f of files) {
      if (this.controller.signal.aborted) return { error: null };
      await this.#check(dir, onDisk, f);
    }
    // a storage that went away mid-way makes every file look missing: check again later instead
    const after = await roots.guard(d.storage).state();
    if (!after.ok) return { error: null, paused: after.message };

    const tracked = new Set(files.map((f) => f.path));
    const extras = [...onDisk.keys()].filter((p) => !tracked.has(p)).sort();
    for (const p of extras.slice(0, EXTRAS_LOGGED)) this.#log.line(`extra file on disk, not in the repo at this commit (not tracked): ${p}`);
    if (extras.length > EXTRAS_LOGGED) this.#log.line(`… and ${extras.length - EXTRAS_LOGGED} more extra files`);
    return { error: null };
  }

  /** A Hub call that waits out an outage, the job showing "waiting for the Hub" meanwhile. */
  #askHub<T>(call: () => Promise<T>): Promise<T> {
    return whileHubDown(call, {
      signal: this.controller.signal,
      outageTimeoutMs: this.#ctx.config.downloads.outageTimeoutMs,
      onWait: (w) => {
        this.#progress.setWaiting(HUB_LISTING, w);
        if (w) this.#log.line(`${w.reason}; waiting for the Hub, try ${w.attempt + 1} in ${Math.round((w.retryAt - Date.now()) / 1000)} s`);
      },
    });
  }

  async #check(dir: string, onDisk: Map<string, OnDisk>, f: ModelFileRow): Promise<void> {
    const { db } = this.#ctx;
    const fail = async (why: string) => {
      this.#progress.filesFailed++;
      this.#log.line(`failed ${f.path}: ${why}`);
      await catalog.setFileStatus(db, f.id, { status: 'failed', error: why, bytesDone: 0 });
    };
    const gone = absence(onDisk, f.path);
    if (gone) return fail(gone);
    const fh = await openNoFollow(finalPath(dir, f.path), constants.O_RDONLY).catch((err: Error) => err);
    if (fh instanceof Error) return fail(`cannot be read: ${fh.message}`);
    let got: ReturnType<ContentHasher['digest']>;
    try {
      const { size } = await fh.stat();
      if (size !== f.size_bytes) return await fail(`wrong size: ${size} bytes on disk, ${f.size_bytes} on the Hub`);
      const gitOid = !f.is_lfs && f.git_oid ? f.git_oid : undefined;
      const hasher = new ContentHasher(size, Boolean(gitOid));
      const buf = Buffer.allocUnsafe(READ_CHUNK);
      for (let pos = 0; pos < size; ) {
        if (this.controller.signal.aborted) return;
        const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
        if (bytesRead === 0) break;
        hasher.update(buf.subarray(0, bytesRead));
        // bytes hashed are this job's progress (and its speed)
        this.#progress.add(f.id, bytesRead);
        pos += bytesRead;
      }
      got = hasher.digest();
      const why = mismatch(got, { sha256: f.sha256 ?? undefined, gitOid });
      if (why) return await fail(`wrong hash: ${why}`);
    } finally {
      await fh.close();
    }
    this.#progress.filesDone++;
    await catalog.setFileStatus(db, f.id, { status: 'done', sha256: got.sha256, bytesDone: f.size_bytes });
  }

  async #settle(reason: unknown, outcome: { error: string | null; paused?: string }): Promise<void> {
    const { db } = this.#ctx;
    const d = this.#d;
    const log = this.#log;
    const p = this.#progress;
    let final: { status: 'queued' | 'failed' | 'succeeded'; error: string | null } | null = null;
    if (reason === 'canceled') log.line('canceled');
    else if (reason === 'shutdown') {
      log.line('paused: the server is shutting down; the import resumes when it is back');
      final = { status: 'queued', error: null };
    } else if (outcome.paused) {
      log.line(`paused: ${outcome.paused}; the import resumes when the storage is back`);
      final = { status: 'queued', error: null };
    } else if (outcome.error) {
      log.line(`failed: ${outcome.error}`);
      final = { status: 'failed', error: outcome.error };
    } else if (p.filesFailed > 0) {
      const msg = `${p.filesFailed} of ${this.#filesTotal} files on disk do not match the Hub (missing, wrong size or wrong hash); see the per-file errors`;
      log.line(msg);
      final = { status: 'failed', error: msg };
    } else {
      log.line(`imported: ${this.#filesTotal} files, ${formatBytes(p.bytesTotal)}, every one matches the Hub`);
      final = { status: 'succeeded', error: null };
    }
    await log.flush();
    await withTransaction(db, async (tx) => {
      await repo.setLog(tx, d.id, log.tail());
      await catalog.refreshModel(tx, d.model_id, this.#commit);
      if (final) await repo.finish(tx, d.id, final);
    });
    if (final?.status === 'queued') throw new JobInterrupted(reason === 'shutdown' ? 'interrupted by shutdown' : 'paused: the storage is not usable');
  }
}
