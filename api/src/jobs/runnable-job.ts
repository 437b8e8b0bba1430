// What the job runner needs of a job of any kind (download, copy, move, import): something it can run
// once per attempt and stop (cancel, shutdown) through its controller.
import type { ModelFileRow } from '../catalog/catalog.repository.ts';
import type { DownloadRow } from '../downloads/downloads.repository.ts';
import type { FileLocks } from './file-lock.ts';
import type { JobContext } from './job-run.ts';

export interface RunnableJob {
  readonly controller: AbortController;
  /** Runs the attempt to its end and settles the job's row; throws JobInterrupted to be handed out again. */
  run(): Promise<void>;
}

/** Makes the attempt of one job: its row and the catalog files it tracks (download_files). */
export type StartJob = (ctx: JobContext, locks: FileLocks, d: DownloadRow, files: ModelFileRow[]) => RunnableJob;
