// Deterministic, seekable LFS content: the AES-256-CTR keystream of key sha256(seed).
// CTR mode lets any offset be generated directly (counter = offset / 16), so Range requests on
// multi-GB files cost nothing, and generation runs at several GB/s with AES-NI.
import { createCipheriv, createHash } from 'node:crypto';

/** Bump when the generator changes, so on-disk sha256 caches of the old bytes are not reused. */
export const CONTENT_VERSION = 'aes256ctr-v1';

const ZEROS = Buffer.alloc(1 << 20);
const keys = new Map<string, Buffer>();

function keyFor(seed: string): Buffer {
  let key = keys.get(seed);
  if (!key) {
    key = createHash('sha256').update(seed).digest();
    if (keys.size > 10_000) keys.clear();
    keys.set(seed, key);
  }
  return key;
}

/** A reader of consecutive bytes of the seed's stream starting at `start`; each call returns the next n bytes. */
export function openKeystream(seed: string, start: number): (n: number) => Buffer {
  const block = Math.floor(start / 16);
  const iv = Buffer.alloc(16);
  // offsets stay below 2^53, so the block index fits in the low 64 bits of the counter
  iv.writeUInt32BE(Math.floor(block / 2 ** 32), 8);
  iv.writeUInt32BE(block % 2 ** 32, 12);
  const cipher = createCipheriv('aes-256-ctr', keyFor(seed), iv);
  const skip = start % 16;
  if (skip) cipher.update(ZEROS.subarray(0, skip));
  return (n: number) => cipher.update(n <= ZEROS.length ? ZEROS.subarray(0, n) : Buffer.alloc(n));
}

export function generateBytes(seed: string, start: number, length: number): Buffer {
  if (length <= 0) return Buffer.alloc(0);
  const read = openKeystream(seed, start);
  if (length <= ZEROS.length) return read(length);
  const parts: Buffer[] = [];
  for (let done = 0; done < length; ) {
    const n = Math.min(ZEROS.length, length - done);
    parts.push(read(n));
    done += n;
  }
  return Buffer.concat(parts, length);
}

/** sha256 of the first `size` bytes of the stream (blocking; big sizes go to a worker, see sha256-cache.ts). */
export function hashKeystream(seed: string, size: number): string {
  const hash = createHash('sha256');
  const read = openKeystream(seed, 0);
  for (let done = 0; done < size; ) {
    const n = Math.min(ZEROS.length, size - done);
    hash.update(read(n));
    done += n;
  }
  return hash.digest('hex');
}
