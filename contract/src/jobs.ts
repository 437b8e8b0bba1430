// Words for a job, shared by the portal (server and browser, see web/src/shared-assets.ts) and the
// Android app: what it holds ("Q4_K_M + README", "fp16/ (2 files)"), the state of each of its files
// as a person reads it, and times. Type imports only: the browser loads this module on its own.
import type { BandwidthStatus } from './bandwidth.ts';
import type { Download, DownloadFile } from './downloads.ts';

// A quantization or precision tag in a weights file name: model-Q4_K_M.gguf, x.IQ3_XS.gguf, y-bf16.gguf
const TAG = /(?:^|[-_.])(I?Q\d(?:_[A-Z0-9]+)*|BF16|FP16|FP32|F16|F32)(?=$|[-_.])/i;

/** A short name for a file: its quantization tag when it has one, else its name without the extension. */
export function shortName(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const stem = name.includes('.') ? name.slice(0, name.lastIndexOf('.')) : name;
  const tag = TAG.exec(stem);
  return tag ? tag[1]!.toUpperCase() : stem || name;
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/**
 * What a job holds, from its files: "Q4_K_M + README", "fp16/ (2 files)", "config + model + tokenizer + 4 more".
 * Top-level folders are named with their file count; files at the root by their short name.
 */
export function describeFiles(paths: readonly string[], max = 3): string {
  if (paths.length === 0) return 'no files';
  const folders = new Map<string, number>();
  const items: string[] = [];
  for (const p of paths) {
    const slash = p.indexOf('/');
    if (slash > 0) {
      const top = p.slice(0, slash);
      if (!folders.has(top)) items.push(`${top}/`);
      folders.set(top, (folders.get(top) ?? 0) + 1);
    } else {
      const s = shortName(p);
      if (!items.includes(s)) items.push(s);
    }
  }
  const label = (item: string) => (item.endsWith('/') ? `${item} (${plural(folders.get(item.slice(0, -1))!, 'file')})` : item);
  const shown = items.slice(0, max).map(label);
  return items.length > max ? `${shown.join(' + ')} + ${items.length - max} more` : shown.join(' + ');
}

export type FileState = 'queued' | 'downloading' | 'verifying' | 'done' | 'failed' | 'paused';

/**
 * A file's state in words. The API keeps a canceled or failed job's unfinished files as they were
 * ("downloading", "pending") with their partial bytes, which a retry resumes: that is "paused".
 * A file still "downloading" with all its bytes is having its checksum verified.
 */
export function fileState(file: Pick<DownloadFile, 'status' | 'bytes_done' | 'size_bytes'>, job: Pick<Download, 'status'>): FileState {
  if (file.status === 'done' || file.status === 'failed') return file.status;
  if (job.status === 'canceled' || job.status === 'failed' || job.status === 'succeeded') return 'paused';
  if (file.status === 'pending') return 'queued';
  return file.size_bytes > 0 && file.bytes_done >= file.size_bytes ? 'verifying' : 'downloading';
}

/** Seconds from start to finish (or to `now` while it runs); null before it starts. */
export function elapsedSeconds(job: Pick<Download, 'started_at' | 'finished_at'>, now = Date.now()): number | null {
  if (!job.started_at) return null;
  const end = job.finished_at ? Date.parse(job.finished_at) : now;
  return Math.max(0, (end - Date.parse(job.started_at)) / 1000);
}

/** Bytes per second over the whole run so far; null until there is a run to average over. */
export function averageSpeed(job: Pick<Download, 'started_at' | 'finished_at' | 'bytes_done'>, now = Date.now()): number | null {
  const s = elapsedSeconds(job, now);
  return s && s >= 1 ? job.bytes_done / s : null;
}

/** A moment in the reader's own time zone, "2026-01-05 14:03"; "—" when there is none. */
export function formatWhen(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
}

/** The last `lines` lines of the job log. */
export function logTail(log: string, lines = 20): string {
  return log.trimEnd().split('\n').slice(-lines).join('\n');
}

/** Job statuses that are still to finish, and those that are final. */
export const RUNNING_STATUSES: readonly string[] = ['queued', 'running'];
export const FINAL_STATUSES: readonly string[] = ['succeeded', 'failed', 'canceled'];

export type JobAction = 'pause' | 'resume' | 'retry';

/**
 * What a person can do with a job, named for what it does: a running job is paused (the API's
 * cancel, which keeps the partial files), a paused (canceled) one resumed and a failed one retried
 * (both the API's retry, which resumes the partials). Null for a job that succeeded.
 */
export function jobAction(status: Download['status']): { action: JobAction; label: string; api: 'cancel' | 'retry' } | null {
  if (status === 'queued' || status === 'running') return { action: 'pause', label: 'Pause', api: 'cancel' };
  if (status === 'canceled') return { action: 'resume', label: 'Resume', api: 'retry' };
  if (status === 'failed') return { action: 'retry', label: 'Retry', api: 'retry' };
  return null;
}

/** A job's status as the portal and the app show it: a canceled job is paused, since Resume picks it up. */
export function statusLabel(status: Download['status']): string {
  return status === 'canceled' ? 'paused' : status;
}

/**
 * What kind of job it is and on which storage root, as a person reads it ("Copy to fast"); empty for a
 * plain download to the default root, the only kind there is on an installation with one root.
 */
/** Who started a job: their name, or "deleted user" once that account is gone (its jobs stay). */
export function jobOwner(job: Pick<Download, 'username'>): string {
  return job.username ?? 'deleted user';
}

/** Whose Hugging Face token a job used, in words; '' for a job that never asked the Hub (copy, move). */
export function jobTokenLabel(job: Pick<Download, 'hf_token' | 'username'>): string {
  const t = job.hf_token;
  if (!t) return '';
  if (t.owner === 'none') return 'none (public files only)';
  if (t.owner === 'server') return "the server's (HF_TOKEN)";
  const whose = job.username ? `${job.username}'s` : "its owner's";
  return t.hub_user ? `${whose} (Hub account ${t.hub_user})` : whose;
}

export function jobKindLabel(job: Pick<Download, 'kind' | 'storage'>): string {
  if (job.kind === 'download' && job.storage === 'default') return '';
  const verb = { download: 'Download to', copy: 'Copy to', move: 'Move to', import: 'Import on', update: 'Update on' }[job.kind];
  return `${verb} ${job.storage}`;
}

/**
 * The bandwidth limit in words for the job page (GET /bandwidth): "Downloads limited to 20 MB/s until 00:00,
 * then unlimited"; null when nothing limits downloads now or later.
 */
export function describeBandwidth(b: BandwidthStatus, formatRate: (bps: number) => string): string | null {
  const now = b.limit_bps > 0 ? `limited to ${formatRate(b.limit_bps)}` : 'unlimited';
  if (b.until_time === null || b.next_limit_bps === null) return b.limit_bps > 0 ? `Downloads ${now}` : null;
  const next = b.next_limit_bps > 0 ? `then ${formatRate(b.next_limit_bps)}` : 'then unlimited';
  return `Downloads ${now} until ${b.until_time}, ${next}`;
}
