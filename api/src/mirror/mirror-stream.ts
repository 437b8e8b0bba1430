// Sends a byte range of an open file to an HTTP response through one reused buffer per response.
// Node has no sendfile; a ReadStream allocates a fresh buffer for every read (page faults and garbage
// for every chunk of a 4 GiB file, times every connection of aria2c -x16) and reads ahead of a slow
// socket. Here a chunk is read only once the previous one was handed to the kernel, into the same
// buffer, taken from a small pool: memory per response is one chunk, whatever the client's speed.
import type { FileHandle } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';

const CHUNK = 512 * 1024;
// buffers kept for the next responses; more responses at once simply allocate (and free) their own
const POOL_MAX = 32;
const pool: Buffer[] = [];

/** Resolves true once `chunk` is handed to the kernel, false if the response ended first (client gone). */
function write(res: ServerResponse, chunk: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    const onClose = () => resolve(false);
    res.once('close', onClose);
    res.write(chunk, (err) => {
      res.off('close', onClose);
      resolve(!err);
    });
  });
}

/** Streams bytes `start`…`end` (inclusive) of `fh` to `res`, ends it, and closes `fh` in every case. */
export async function sendRange(fh: FileHandle, res: ServerResponse, start: number, end: number): Promise<void> {
  const buf = pool.pop() ?? Buffer.allocUnsafeSlow(CHUNK);
  let pos = start;
  try {
    while (pos <= end && !res.destroyed) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(CHUNK, end - pos + 1), pos);
      // the file got shorter while being served: the client must see a broken transfer, not a short one
      if (bytesRead === 0) break;
      if (!(await write(res, buf.subarray(0, bytesRead)))) break;
      pos += bytesRead;
    }
  } catch {
    // a read error (the NAS went away) after the headers: all that is left to say is a broken transfer
  } finally {
    await fh.close().catch(() => {});
    if (pool.length < POOL_MAX) pool.push(buf);
    if (pos > end) res.end();
    else res.destroy();
  }
}
