// Refuses tasks the engine cannot carry out safely, before touching the disk or the network.
import path from 'node:path';
import { DownloadError } from './errors.ts';
import type { EngineOptions, FileTask } from './types.ts';

export function validateTask(task: FileTask, opts: EngineOptions): void {
  const bad = (why: string) => new DownloadError('InvalidTask', `${task.path}: ${why}`, { permanent: true });
  if (!Number.isSafeInteger(task.size) || task.size < 0) throw bad(`invalid size ${task.size}`);
  if (!path.isAbsolute(task.dest)) throw bad('the destination must be an absolute path');
  if (task.sha256 !== undefined && !/^[0-9a-fA-F]{64}$/.test(task.sha256)) throw bad('sha256 must be 64 hex digits');
  if (task.gitOid !== undefined && !/^[0-9a-fA-F]{40}$/.test(task.gitOid)) throw bad('gitOid must be 40 hex digits');
  let url: URL;
  try {
    url = new URL(task.url);
    new URL(opts.hubOrigin);
  } catch {
    throw bad('the download URL or the Hub origin is not a valid URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw bad(`unsupported URL scheme ${url.protocol}`);
}
