import { lstat } from 'node:fs/promises';
import { hashFile, mismatch } from './hashing.ts';

/** null when the file on disk is the one the Hub lists (size, then SHA-256 or git blob SHA-1); else why not. */
export async function verifyFile(
  file: string,
  want: { path: string; size_bytes: number; sha256: string | null; git_oid: string | null; is_lfs: boolean },
): Promise<string | null> {
  const st = await lstat(file).catch(() => null);
  if (!st?.isFile()) return 'not downloaded';
  if (st.size !== want.size_bytes) return `size ${st.size}, expected ${want.size_bytes}`;
  const gitOid = !want.is_lfs && want.git_oid ? want.git_oid : undefined;
  const got = await hashFile(file, st.size, Boolean(gitOid), undefined, want.path);
  const why = mismatch(got, { sha256: want.sha256 ?? undefined, gitOid });
  return why ? `content does not match: ${why}` : null;
}
