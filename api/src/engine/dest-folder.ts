// The destination's folder, created without following links when the caller says which storage root
// the file must stay under (the job runner passes realpath(STORAGE_ROOT)).
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ensureDirNoSymlinks, partsUnder } from '../storage/safe-fs.ts';
import type { FileTask } from './types.ts';

export async function prepareDestFolder(task: FileTask): Promise<void> {
  if (task.root === undefined) {
    await mkdir(path.dirname(task.dest), { recursive: true });
    return;
  }
  const parts = partsUnder(task.root, task.dest);
  await ensureDirNoSymlinks(task.root, parts.slice(0, -1));
}
