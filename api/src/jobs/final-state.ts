// How an attempt of any kind of job ends, from why it stopped and what its files did: the same words and
// states for downloads, updates, copies and moves.
import type { JobLog } from './job-log.ts';
import type { JobProgress } from './job-progress.ts';

export type FinalState = { status: 'queued' | 'failed' | 'succeeded'; error: string | null };

/**
 * null when canceled (the cancel route set the status already); queued again after a shutdown or a lost
 * storage; failed with the job's own error or its failed files; else what `succeed` says.
 */
export async function finalState(
  reason: unknown,
  s: { jobError: string | null; progress: JobProgress; log: JobLog; what: string },
  succeed: () => Promise<FinalState>,
): Promise<FinalState | null> {
  const { progress, log } = s;
  if (reason === 'canceled') {
    log.line('canceled');
    return null;
  }
  if (reason === 'shutdown') {
    log.line(`paused: the server is shutting down; the ${s.what} resumes when it is back`);
    return { status: 'queued', error: null };
  }
  if (reason === 'storage') return { status: 'queued', error: null };
  if (s.jobError) return { status: 'failed', error: s.jobError };
  if (progress.filesFailed > 0) {
    const msg = `${progress.filesFailed} of ${progress.filesTotal} files failed; see the per-file errors and retry`;
    log.line(msg);
    return { status: 'failed', error: msg };
  }
  return succeed();
}
