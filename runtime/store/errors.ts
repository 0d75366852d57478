// A store that cannot write (disk full, read-only, I/O error) fails the runs it concerns with
// `store_unavailable`; it never takes the process down.
export class StoreUnavailable extends Error {
  readonly code = 'store_unavailable';
  constructor(
    message: string,
    readonly cause?: unknown,
  ) {
    super(`store_unavailable: ${message}`);
    this.name = 'StoreUnavailable';
  }
}

const SQLITE_CODES = /^SQLITE_(FULL|IOERR|READONLY|CANTOPEN|CORRUPT|NOTADB|PERM|BUSY|LOCKED|PROTOCOL)/;
const FS_CODES = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EIO', 'EACCES', 'EPERM', 'EMFILE', 'ENFILE']);

/** Whether an error means the store's disk or database cannot be used (rather than a bug or bad input). */
export function isStoreFailure(error: unknown): boolean {
  if (error instanceof StoreUnavailable) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (SQLITE_CODES.test(code) || FS_CODES.has(code));
}

/** Wraps a store failure as StoreUnavailable (naming the underlying code); other errors pass through. */
export function asStoreError(error: unknown): unknown {
  if (error instanceof StoreUnavailable || !isStoreFailure(error)) return error;
  const { code, message } = error as { code: string; message: string };
  return new StoreUnavailable(`the data store cannot be written (${code}: ${message})`, error);
}
