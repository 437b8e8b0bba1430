import { constants } from 'node:fs';
import { lstat, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { INTERNAL_DIR } from '../storage/layout.ts';
import { ensureDirNoSymlinks, isUnder, openNoFollow } from '../storage/safe-fs.ts';

const TAIL_LINES = 40;

/** One line per file event in `<LOG_DIR>/<downloadId>.log`; the last lines are kept for the API. */
export class JobLog {
  readonly file: string;
  #tail: string[];
  #pending: string[] = [];
  #writing: Promise<void> = Promise.resolve();

  readonly #storageRoot: string | undefined;

  /** `storageRoot`: when the log folder lies in the storage, it is only written while that is mounted. */
  constructor(logDir: string, downloadId: string, previousTail: string, storageRoot?: string) {
    this.file = path.join(logDir, `${downloadId}.log`);
    this.#storageRoot = storageRoot;
    this.#tail = previousTail ? previousTail.split('\n').slice(-TAIL_LINES) : [];
  }

  line(message: string): void {
    const text = `${new Date().toISOString()} ${message.replace(/[\r\n]+/g, ' ')}`;
    this.#tail.push(text);
    if (this.#tail.length > TAIL_LINES) this.#tail.splice(0, this.#tail.length - TAIL_LINES);
    this.#pending.push(text);
  }

  tail(): string {
    return this.#tail.join('\n');
  }

  // Appends are batched with the throttled progress writes, not done per event.
  flush(): Promise<void> {
    if (!this.#pending.length) return this.#writing;
    const chunk = `${this.#pending.join('\n')}\n`;
    this.#pending = [];
    this.#writing = this.#writing
      .then(async () => {
        await this.#ensureDir();
        const fh = await openNoFollow(this.file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT);
        try {
          await fh.appendFile(chunk);
        } finally {
          await fh.close();
        }
      })
      .catch(() => {});
    return this.#writing;
  }

  // Inside the storage, its .d011dl folder (made with the storage marker) must exist: an empty mount
  // point of an unmounted NAS gets no folders on the local disk, and no link on the way is followed.
  async #ensureDir(): Promise<void> {
    const dir = path.dirname(this.file);
    const root = this.#storageRoot;
    if (root === undefined || !isUnder(root, dir)) {
      await mkdir(dir, { recursive: true });
      return;
    }
    if (!(await lstat(path.join(root, INTERNAL_DIR))).isDirectory()) throw new Error('the storage is not initialised');
    await ensureDirNoSymlinks(root, path.relative(root, dir).split(path.sep).filter(Boolean));
  }
}
