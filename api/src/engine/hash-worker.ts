// Worker thread of hash-thread.ts: hashes files being downloaded, in file order, reading back from the
// page cache what the main thread has written. One thread serves every big file of the process.
import { readSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { parentPort } from 'node:worker_threads';
import { ContentHasher } from './hashing.ts';
import type { ToMain, ToWorker } from './hash-thread.ts';

// per file being hashed (4 at once at the defaults): 1 MiB reads cost no more CPU than 4 MiB ones and keep
// 12 MiB out of the API's peak RSS
const READ_CHUNK = 1024 * 1024;
const YIELD_EVERY = 16 * READ_CHUNK;

interface Job {
  id: number;
  fh: FileHandle | undefined;
  // a buffer per file: the reads of several files interleave at every await
  buf: Buffer | undefined;
  path: string;
  hasher: ContentHasher;
  size: number;
  pos: number;
  /** bytes [0, end) are on disk */
  end: number;
  busy: boolean;
  finishing: boolean;
  stopping: boolean;
}

const jobs = new Map<number, Job>();
const port = parentPort!;

function send(m: ToMain): void {
  port.postMessage(m);
}

async function close(job: Job): Promise<void> {
  jobs.delete(job.id);
  await job.fh?.close().catch(() => {});
}

async function pump(job: Job): Promise<void> {
  if (job.busy) return;
  job.busy = true;
  try {
    job.fh ??= await open(job.path, 'r');
    const buf = (job.buf ??= Buffer.allocUnsafe(READ_CHUNK));
    let sinceYield = 0;
    while (!job.stopping && job.pos < job.end) {
      const n = Math.min(READ_CHUNK, job.end - job.pos);
      let got = 0;
      // read on this thread: through libuv's pool the reads would queue behind the staged writes and
      // fsyncs of every download (4 threads for the whole process)
      while (got < n) {
        const bytesRead = readSync(job.fh.fd, buf, got, n - got, job.pos + got);
        if (bytesRead === 0) throw Object.assign(new Error(`unexpected end of file at ${job.pos + got}`), { code: 'EIO' });
        got += bytesRead;
      }
      job.hasher.update(buf.subarray(0, n));
      job.pos += n;
      // now and then let the messages in (a stop, another file's new bytes)
      if ((sinceYield += n) >= YIELD_EVERY) {
        sinceYield = 0;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    send({ op: 'error', id: job.id, message: e.message, code: e.code ?? '' });
    await close(job);
    return;
  } finally {
    job.busy = false;
  }
  if (job.stopping) {
    await close(job);
    send({ op: 'stopped', id: job.id });
  } else if (job.finishing && job.pos >= job.end) {
    await close(job);
    if (job.pos === job.size) send({ op: 'digest', id: job.id, digests: job.hasher.digest() });
    else send({ op: 'error', id: job.id, message: `hashed ${job.pos} of ${job.size} bytes`, code: 'SHORT' });
  } else if (job.pos < job.end) {
    // more was written while the last read was in flight
    void pump(job);
  }
}

port.on('message', (m: ToWorker) => {
  if (m.op === 'open') {
    jobs.set(m.id, {
      id: m.id,
      fh: undefined,
      buf: undefined,
      path: m.path,
      hasher: new ContentHasher(m.size, m.git),
      size: m.size,
      pos: 0,
      end: 0,
      busy: false,
      finishing: false,
      stopping: false,
    });
    return;
  }
  const job = jobs.get(m.id);
  if (!job) {
    // already closed (an error was sent): answer a stop so the main thread does not wait for ever
    if (m.op === 'stop') send({ op: 'stopped', id: m.id });
    return;
  }
  if (m.op === 'extend') job.end = Math.max(job.end, Math.min(m.end, job.size));
  else if (m.op === 'finish') job.finishing = true;
  else if (m.op === 'stop') job.stopping = true;
  // a pump already running sees the new state when its read comes back
  void pump(job);
});
