// The app's words for library actions (issue 14): what a delete removes, what it freed, a job's kind.
import { formatBytes, type DeleteModelResponse, type Download, type ImportResponse, type Model, type ModelFile, type StorageRoot } from '@d011dl/contract';

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

export const modelName = (m: Pick<Model, 'author' | 'repo' | 'revision'>) => `${m.author}/${m.repo} @ ${m.revision}`;

/** The question before a revision is deleted: its size on disk and where it is. */
export function deleteModelQuestion(m: Model): string {
  return `Delete ${modelName(m)} from the server? This removes ${formatBytes(m.bytes_on_disk)} in ${m.display_path}. It cannot be undone.`;
}

export function deleteFileQuestion(m: Model, f: ModelFile): string {
  return `Delete ${f.path} (${formatBytes(f.bytes_done)}) from ${m.display_path}? It cannot be undone.`;
}

export function deletedText(r: DeleteModelResponse): string {
  return `Deleted ${plural(r.deleted_files, 'file')}, ${formatBytes(r.freed_bytes)} freed.`;
}

/** How the jobs list names a job that is not a download: "Copy to fast", "Move to nas", "Import". */
export function kindLabel(job: Pick<Download, 'kind' | 'storage'>): string | null {
  if (job.kind === 'copy') return `Copy to ${job.storage}`;
  if (job.kind === 'move') return `Move to ${job.storage}`;
  if (job.kind === 'import') return 'Import';
  return null;
}

/** One line about a root for a choice: where it is and its free space, or why it cannot be used. */
export function rootDetail(r: StorageRoot): string {
  if (!r.ok) return r.problem ?? 'cannot be used now';
  return `${r.display_path} · ${formatBytes(r.free_bytes)} free`;
}

export function importSummary(r: ImportResponse): string {
  if (!r.imports.length && !r.skipped.length) return 'Nothing new found on disk.';
  const queued = r.imports.length ? `Queued ${plural(r.imports.length, 'import')}: follow them under Jobs.` : 'Nothing queued.';
  return r.skipped.length ? `${queued} Skipped ${r.skipped.length}.` : queued;
}
