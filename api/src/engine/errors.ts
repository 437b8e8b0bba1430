// The one error type the engine throws, and the mapping of file-system and network failures onto it.
import { UnsafePathError } from '../storage/safe-fs.ts';

export type DownloadErrorCode = 'HubError' | 'IntegrityError' | 'NoSpace' | 'IOError' | 'Canceled' | 'NetworkError' | 'RateLimited' | 'InvalidTask';

export class DownloadError extends Error {
  readonly code: DownloadErrorCode;
  /** true when retrying the same file later cannot help without a change (token, access, disk, …) */
  readonly permanent: boolean;
  readonly httpStatus?: number;

  constructor(code: DownloadErrorCode, message: string, opts: { permanent: boolean; httpStatus?: number; cause?: unknown }) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'DownloadError';
    this.code = code;
    this.permanent = opts.permanent;
    if (opts.httpStatus !== undefined) this.httpStatus = opts.httpStatus;
  }
}

export function canceledError(path: string): DownloadError {
  return new DownloadError('Canceled', `${path}: canceled (what was downloaded is kept for a later resume)`, { permanent: false });
}

const NO_SPACE = new Set(['ENOSPC', 'EDQUOT']);

/** A failed file-system call: a full disk is its own, clearly worded, error. */
export function fsError(err: unknown, action: string, file: string): DownloadError {
  if (err instanceof DownloadError) return err;
  // a symbolic link or a file where a folder belongs: its own message says what to do
  if (err instanceof UnsafePathError) return new DownloadError('IOError', err.message, { permanent: true, cause: err });
  const code = (err as NodeJS.ErrnoException).code ?? '';
  if (NO_SPACE.has(code)) {
    return new DownloadError(
      'NoSpace',
      `No space left on the storage device while ${action} ${file} (${code}); the partial file is kept, free some space and retry to resume`,
      { permanent: true, cause: err },
    );
  }
  return new DownloadError('IOError', `Could not ${action} ${file}: ${(err as Error).message}`, { permanent: true, cause: err });
}

export function isFsError(err: unknown): boolean {
  const e = err as NodeJS.ErrnoException;
  return typeof e?.syscall === 'string' && typeof e.code === 'string' && !e.code.startsWith('UND_ERR');
}
