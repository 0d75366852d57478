// Files the runtime finds in its folders (the flows dir, the data dir) are read only when they are
// plain files. A FIFO in their place holds a read until something writes to it: read synchronously it
// held the server's event loop (every request unanswered), and `atelier gc` never ended. A directory
// fails with a bare EISDIR. So such a file is opened without blocking, checked, and only then read;
// and a folder the runtime keeps files in is checked to be one, naming where it is set when it is not.
import { type BigIntStats, closeSync, constants, fstatSync, mkdirSync, openSync, readFileSync, statSync, type Stats } from 'node:fs';

export class NotAPlainFile extends Error {
  constructor(
    readonly path: string,
    /** What it is instead: "a directory", "a FIFO"… */
    readonly what: string,
  ) {
    super(`${path} is ${what}, not a file`);
    this.name = 'NotAPlainFile';
  }
}

export function kindOf(stats: Stats | BigIntStats): string {
  if (stats.isFile()) return 'a file';
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isSocket()) return 'a socket';
  if (stats.isSymbolicLink()) return 'a symbolic link';
  return 'a device';
}

/**
 * The open file's descriptor; undefined when nothing is there. Throws NotAPlainFile for anything
 * but a plain file (with `followLinks: false`, a symbolic link too). The caller closes the fd.
 */
export function openPlainFile(path: string, options: { followLinks?: boolean } = {}): number | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | (options.followLinks === false ? constants.O_NOFOLLOW : 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined; // ENOTDIR: a folder on the way is a file
    if (code === 'ELOOP' && options.followLinks === false) throw new NotAPlainFile(path, 'a symbolic link');
    throw error;
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new NotAPlainFile(path, kindOf(stats));
    return fd;
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/** The text of a plain file; undefined when nothing is there. Throws NotAPlainFile as openPlainFile does. */
export function readPlainText(path: string, options: { followLinks?: boolean } = {}): string | undefined {
  const fd = openPlainFile(path, options);
  if (fd === undefined) return undefined;
  try {
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * Makes the folder (and its parents). A file in its place is said as such, with where the folder is
 * set: mkdir answered a bare EEXIST, or nothing, and the first file opened in it ENOTDIR.
 */
export function ensureFolder(path: string, what: string): void {
  try {
    mkdirSync(path, { recursive: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const stats = statSync(path);
  if (!stats.isDirectory()) throw new Error(`${what} ${path} is ${kindOf(stats)}, not a folder`);
}
