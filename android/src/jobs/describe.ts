// Words for a job: what it holds ("Q4_K_M + README", "fp16/ (2 files)"), the state of each of its
// files as a person reads it, and times. No react-native imports (pure, tested directly).
import type { Download, DownloadFile } from '@d011dl/contract';

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

export type FileState = 'queued' | 'downloading' | 'done' | 'failed' | 'paused';

/**
 * A file's state in words. The API keeps a canceled or failed job's unfinished files as they were
 * ("downloading", "pending") with their partial bytes, which a retry resumes: that is "paused".
 */
export function fileState(file: DownloadFile, job: Pick<Download, 'status'>): FileState {
  if (file.status === 'done' || file.status === 'failed') return file.status;
  if (job.status === 'canceled' || job.status === 'failed' || job.status === 'succeeded') return 'paused';
  return file.status === 'pending' ? 'queued' : 'downloading';
}

/** Seconds from start to finish (or to `now` while it runs); null before it starts. */
export function elapsedSeconds(job: Pick<Download, 'started_at' | 'finished_at'>, now = Date.now()): number | null {
  if (!job.started_at) return null;
  const end = job.finished_at ? Date.parse(job.finished_at) : now;
  return Math.max(0, (end - Date.parse(job.started_at)) / 1000);
}

/** A moment in the phone's time zone, "2026-01-05 14:03". */
export function formatWhen(iso: string | null): string {
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

export const RUNNING = new Set(['queued', 'running']);
export const FINAL = new Set(['succeeded', 'failed', 'canceled']);
