// runFiles: a set of files with the engine's own scheduler, for callers without a job (the benchmark's
// engine row, engine tests). It is the job runner's loop (file-set.ts) with no hooks around the files.
import { downloadFile } from './download-file.ts';
import { runFileSet, type FileOutcome } from './file-set.ts';
import { FileScheduler } from './schedule.ts';
import type { EngineOptions, FileTask } from './types.ts';

export type { FileOutcome } from './file-set.ts';

export interface RunFilesOptions extends EngineOptions {
  /** big files downloading at once (default 4); small ones run four times as many (see schedule.ts) */
  concurrency?: number;
}

/** Downloads every task; outcomes are in the order of `tasks`. */
export async function runFiles(tasks: readonly FileTask[], opts: RunFilesOptions): Promise<FileOutcome[]> {
  const scheduler = new FileScheduler({
    fileConcurrency: Math.max(1, Math.floor(opts.concurrency ?? 4)),
    segmentConnections: opts.segmentConnections,
    segmentThreshold: opts.segmentThreshold,
  });
  const { outcomes } = await runFileSet(
    tasks.map((task) => ({ task })),
    {
      scheduler,
      signal: opts.signal,
      hooks: { fetch: ({ task }, connections, signal, slot) => downloadFile(task, { ...opts, segmentConnections: connections, signal, slot }) },
    },
  );
  // without a `begin` hook every item has an outcome
  return outcomes as FileOutcome[];
}
