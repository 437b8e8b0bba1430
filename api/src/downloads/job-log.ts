import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';

const TAIL_LINES = 40;

/** One line per file event in `<LOG_DIR>/<downloadId>.log`; the last lines are kept for the API. */
export class JobLog {
  readonly file: string;
  #tail: string[];
  #pending: string[] = [];
  #writing: Promise<void> = Promise.resolve();

  constructor(logDir: string, downloadId: string, previousTail: string) {
    this.file = path.join(logDir, `${downloadId}.log`);
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
    const chunk = this.#pending.join('\n') + '\n';
    this.#pending = [];
    this.#writing = this.#writing.then(async () => {
      await mkdir(path.dirname(this.file), { recursive: true });
      await appendFile(this.file, chunk);
    }).catch(() => {});
    return this.#writing;
  }
}
