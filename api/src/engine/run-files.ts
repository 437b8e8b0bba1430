// runFiles: a set of files with bounded concurrency. One file failing does not stop the others,
// except when the disk is full or the set is canceled: then nothing else can succeed.
import { downloadFile } from './download-file.ts';
import { DownloadError } from './errors.ts';
import { FileScheduler } from './schedule.ts';
import type { EngineOptions, FileResult, FileTask } from './types.ts';

export interface RunFilesOptions extends EngineOptions {
  /** big files downloading at once (default 4); small ones run four times as many (see schedule.ts) */
  concurrency?: number;
}

export type FileOutcome = { task: FileTask; result: FileResult; error?: undefined } | { task: FileTask; result?: undefined; error: DownloadError };

const STOPS_THE_SET = new Set(['NoSpace', 'Canceled']);

/** Downloads every task; outcomes are in the order of `tasks`. */
export async function runFiles(tasks: readonly FileTask[], opts: RunFilesOptions): Promise<FileOutcome[]> {
  const concurrency = Math.max(1, Math.floor(opts.concurrency ?? 4));
  const stop = new AbortController();
  const onAbort = () => stop.abort(opts.signal?.reason);
  if (opts.signal?.aborted) onAbort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  let stoppedBy: DownloadError | undefined;
  const outcomes: FileOutcome[] = new Array(tasks.length);
  const scheduler = new FileScheduler({ fileConcurrency: concurrency, segmentConnections: opts.segmentConnections, segmentThreshold: opts.segmentThreshold });
  const indexed = tasks.map((task, i) => ({ task, i, size: task.size }));

  const one = async ({ task, i }: { task: FileTask; i: number }, connections: number) => {
    if (stop.signal.aborted) {
      const why = stoppedBy ? `the set stopped: ${stoppedBy.message}` : 'canceled';
      outcomes[i] = { task, error: new DownloadError('Canceled', `${task.path}: not started (${why})`, { permanent: false }) };
      return;
    }
    try {
      outcomes[i] = { task, result: await downloadFile(task, { ...opts, segmentConnections: connections, signal: stop.signal }) };
    } catch (err) {
      const e = err instanceof DownloadError ? err : new DownloadError('IOError', `${task.path}: ${String(err)}`, { permanent: false, cause: err });
      outcomes[i] = { task, error: e };
      if (STOPS_THE_SET.has(e.code) && !stop.signal.aborted) {
        stoppedBy = e;
        stop.abort(e);
      }
    }
  };
  try {
    await scheduler.run(indexed, one);
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
  return outcomes;
}
