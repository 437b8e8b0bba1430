import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';

/** null when the file on disk is the one the Hub lists (size, then SHA-256 or git blob SHA-1); else why not. */
export async function verifyFile(file: string, want: { size_bytes: number; sha256: string | null; git_oid: string | null; is_lfs: boolean }): Promise<string | null> {
  const st = await stat(file).catch(() => null);
  if (!st?.isFile()) return 'not downloaded';
  if (st.size !== want.size_bytes) return `size ${st.size}, expected ${want.size_bytes}`;
  const sha256 = createHash('sha256');
  const sha1 = createHash('sha1').update(`blob ${st.size}\0`);
  for await (const chunk of createReadStream(file)) {
    sha256.update(chunk as Buffer);
    sha1.update(chunk as Buffer);
  }
  if (want.sha256 && sha256.digest('hex') !== want.sha256) return 'content does not match its SHA-256';
  if (!want.is_lfs && want.git_oid && sha1.digest('hex') !== want.git_oid) return 'content does not match its git object id';
  return null;
}
