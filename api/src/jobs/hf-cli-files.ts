// DOWNLOAD_ENGINE=hf: a job's files fetched by the official `hf download` (hf-cli-engine.ts runs it),
// then every file checked here exactly as the Node engine checks its own.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { catalogRepository as catalog, type ModelFileRow } from '../catalog/catalog.repository.ts';
import { verifyFile } from '../engine/verify-file.ts';
import { finalPath } from '../storage/file-paths.ts';
import { bytesUnder, runHfCli } from './hf-cli-engine.ts';
import { hasHfXet } from './hf-xet.ts';
import type { JobRun } from './job-run.ts';

export async function fetchWithHfCli(job: JobRun, todo: ModelFileRow[], opts: { xet?: boolean; why?: string } = {}): Promise<void> {
  const { d, db, config, progress, log, controller, dir } = job;
  for (const f of todo) await catalog.setFileStatus(db, f.id, { status: 'downloading' });
  const before = await bytesUnder(dir);
  const goal = todo.reduce((n, f) => n + f.size_bytes, 0);
  let counted = 0;
  let hfError: string | null = null;
  log.line(opts.xet ? `hf download (Xet): ${todo.length} files, because ${opts.why ?? 'the bridge refused them'}` : `hf download: ${todo.length} files`);
  try {
    await runHfCli({
      repoId: `${d.author}/${d.repo}`,
      commit: d.commit_sha!,
      paths: todo.map((f) => f.path),
      dir,
      endpoint: config.hub.endpoint,
      token: job.hubToken,
      hfHome: path.join(config.dataDir, 'hf-home'),
      cli: config.downloads.hfCli,
      signal: controller.signal,
      xet: opts.xet ?? false,
      limiter: job.limiter,
      onDiskBytes: (bytes) => {
        const now = Math.min(goal, Math.max(0, bytes - before));
        progress.addUnassigned(now - counted);
        counted = now;
      },
    });
  } catch (err) {
    hfError = (err as Error).message;
    log.line(hfError);
  }
  progress.addUnassigned(-counted);
  if (controller.signal.aborted) {
    for (const f of todo) await catalog.setFileStatus(db, f.id, { status: 'pending' });
    return;
  }
  // hf's own checks vary by version: every file is checked here, as the Node engine does.
  for (const f of todo) {
    const problem = await verifyFile(finalPath(dir, f.path), f);
    if (problem === null) {
      progress.found(f.id, f.size_bytes);
      progress.filesDone++;
      await catalog.setFileStatus(db, f.id, { status: 'done', bytesDone: f.size_bytes });
      log.line(`done ${f.path}`);
    } else {
      const message = opts.why ? `${opts.why}; hf download (Xet) did not fetch it either: ${hfError ?? problem}` : (hfError ?? problem);
      progress.filesFailed++;
      await catalog.setFileStatus(db, f.id, { status: 'failed', error: message });
      log.line(`failed ${f.path}: ${message}`);
      if (problem !== 'not downloaded') await rm(finalPath(dir, f.path), { force: true });
    }
  }
}

/** Files too large for the Hub's download bridge: through `hf download` with Xet when it is here, else a clear failure. */
export async function fetchRefusedByBridge(job: JobRun, refused: ReadonlyArray<{ file: ModelFileRow; why: string }>): Promise<void> {
  const cli = job.config.downloads.hfCli;
  if (await hasHfXet(cli)) {
    await fetchWithHfCli(
      job,
      refused.map((r) => r.file),
      { xet: true, why: refused[0]!.why },
    );
    return;
  }
  for (const { file, why } of refused) {
    const error = `${why}. D011DL fetches such files through \`hf download\` by itself when huggingface_hub with hf_xet is installed (pip install huggingface_hub); "${cli}" is not there or has no hf_xet`;
    job.progress.filesFailed++;
    job.log.line(`failed ${file.path}: ${error}`);
    await catalog.setFileStatus(job.db, file.id, { status: 'failed', error });
  }
}
