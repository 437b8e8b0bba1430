// The one loop that downloads a set of files: the job runner (api/src/jobs/job-run.ts) and the benchmark
// (via runFiles) both drive it, so what the benchmark measures is what users run.
//
// Policy: one file failing does not stop the others, except a full disk or a cancel: then nothing else
// can succeed, and the files not started yet end as "not started" without touching the network.
import { DownloadError } from './errors.ts';
import type { FileScheduler } from './schedule.ts';
import type { FileResult, FileTask, SlotLease } from './types.ts';

export type FileOutcome = { task: FileTask; result: FileResult; error?: undefined } | { task: FileTask; result?: undefined; error: DownloadError };

export interface FileSetHooks<T extends { task: FileTask }> {
  /**
   * Downloads one item with this many connections; aborting `signal` stops it (keeping its partial).
   * `slot` goes to downloadFile, which hands it back once the bytes are in.
   */
  fetch(item: T, connections: number, signal: AbortSignal, slot: SlotLease): Promise<FileResult>;
  /** Before an item starts (e.g. take its lock, record "downloading"); false leaves it out of this run. */
  begin?(item: T, signal: AbortSignal): Promise<boolean>;
  /** After an item ended, whatever the outcome (record it); errors here fail the whole set. */
  settle?(item: T, outcome: FileOutcome): Promise<void>;
  /** Always last for an item that began (release what `begin` took). */
  end?(item: T): Promise<void>;
}

export interface FileSetResult {
  /** in the order of the items; undefined for an item `begin` left out */
  outcomes: Array<FileOutcome | undefined>;
  /** the error that stopped the set (a full disk), if one did */
  stoppedBy: DownloadError | undefined;
}

const STOPS_THE_SET = new Set(['NoSpace', 'Canceled']);

const asDownloadError = (task: FileTask, err: unknown) =>
  err instanceof DownloadError ? err : new DownloadError('IOError', `${task.path}: ${String(err)}`, { permanent: false, cause: err });

/** Runs every item in the scheduler's slots; see the policy above. */
export async function runFileSet<T extends { task: FileTask }>(
  items: readonly T[],
  run: { scheduler: FileScheduler; signal?: AbortSignal | undefined; hooks: FileSetHooks<T> },
): Promise<FileSetResult> {
  const { hooks, signal } = run;
  const stop = new AbortController();
  const onAbort = () => stop.abort(signal?.reason);
  if (signal?.aborted) onAbort();
  signal?.addEventListener('abort', onAbort, { once: true });
  let stoppedBy: DownloadError | undefined;
  const outcomes: Array<FileOutcome | undefined> = new Array(items.length);

  const one = async ({ item, i }: { item: T; i: number }, connections: number, slot: SlotLease) => {
    const { task } = item;
    if (stop.signal.aborted) {
      const why = stoppedBy ? `the set stopped: ${stoppedBy.message}` : 'canceled';
      outcomes[i] = { task, error: new DownloadError('Canceled', `${task.path}: not started (${why})`, { permanent: false }) };
      return;
    }
    if (hooks.begin && !(await hooks.begin(item, stop.signal))) return;
    try {
      let outcome: FileOutcome;
      try {
        outcome = { task, result: await hooks.fetch(item, connections, stop.signal, slot) };
      } catch (err) {
        outcome = { task, error: asDownloadError(task, err) };
        if (STOPS_THE_SET.has(outcome.error.code) && !stop.signal.aborted) {
          stoppedBy = outcome.error;
          stop.abort(outcome.error);
        }
      }
      outcomes[i] = outcome;
      await hooks.settle?.(item, outcome);
    } finally {
      await hooks.end?.(item);
    }
  };
  try {
    await run.scheduler.run(
      items.map((item, i) => ({ item, i, size: item.task.size })),
      one,
    );
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  return { outcomes, stoppedBy };
}
