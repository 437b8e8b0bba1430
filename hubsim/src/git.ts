// Git object ids as the Hub reports them.
import { createHash } from 'node:crypto';

export function sha1Hex(data: string | Buffer): string {
  return createHash('sha1').update(data).digest('hex');
}

/** git blob id: sha1("blob <size>\0" + content) — the `oid` of regular files and the ETag of their downloads. */
export function gitBlobOid(content: Buffer): string {
  return createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
}

/** The git-lfs pointer stored in git instead of the content; tree `oid` of an LFS file is its blob id. */
export function lfsPointer(sha256: string, size: number): Buffer {
  return Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${sha256}\nsize ${size}\n`);
}

/** Length of lfsPointer(sha256, size) without building it. */
export function lfsPointerSize(size: number): number {
  return lfsPointer('0'.repeat(64), size).length;
}
