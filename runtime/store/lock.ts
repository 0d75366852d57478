// One process per data dir: `atelier.lock` holds { pid, port, host, command }. A lock whose process is
// dead is stale and taken over; a live one refuses (serve exits 2, `atelier run` goes to its server).
// A pid alone can lie: a restarted container's server often gets the pid its crashed predecessor had
// (1, say), and after a reboot any process may. So on Linux the lock also records the boot and the
// process's start tick, and a live pid counts as the holder only when both still match.
import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensureFolder, NotAPlainFile, readPlainText } from './plain-file';

export interface LockInfo {
  pid: number;
  command: string;
  /** Set by a server once it listens. */
  port?: number;
  host?: string;
  /** Set by a server: the folder its flows and sample files (assets/) are read from. */
  flowsDir?: string;
  startedAt: string;
  /** Linux: /proc/sys/kernel/random/boot_id when the lock was taken. */
  bootId?: string;
  /** Linux: the holder's start time in clock ticks since boot (/proc/<pid>/stat), unique per boot and pid. */
  startTicks?: string;
}

export class DataDirLocked extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: LockInfo,
  ) {
    super(`the data dir ${dataDir} is in use by ${describeHolder(holder)}; stop it or choose another data dir (--data DIR or ATELIER_DATA)`);
    this.name = 'DataDirLocked';
  }
}

/** What lies at the lock's path is not a file Atelier wrote (a directory, a FIFO, a link): it is left as it is. */
export class NotALockFile extends Error {
  constructor(
    readonly path: string,
    readonly what: string,
  ) {
    super(`${path} is not a lock file (it is ${what}); remove it, or choose another data dir (--data DIR or ATELIER_DATA)`);
    this.name = 'NotALockFile';
  }
}

export function describeHolder(holder: LockInfo): string {
  const where = holder.port !== undefined ? ` on port ${holder.port}` : '';
  return `atelier ${holder.command} (pid ${holder.pid}${where})`;
}

export interface DataDirLock {
  readonly path: string;
  readonly info: LockInfo;
  /** Records where the server listens, so `atelier run` can reach it, and the folder it reads flows from. */
  setAddress(host: string, port: number, flowsDir?: string): void;
  release(): void;
}

export const LOCK_FILE = 'atelier.lock';

/** Takes the data dir's lock or throws DataDirLocked naming the live holder. */
export function acquireLock(dataDir: string, command: string): DataDirLock {
  const dir = resolve(dataDir);
  ensureFolder(dir, 'the data dir (--data DIR or ATELIER_DATA)');
  const path = join(dir, LOCK_FILE);
  const self = processState(process.pid);
  const info: LockInfo = { pid: process.pid, command, startedAt: new Date().toISOString(), ...(self ? { bootId: self.bootId, startTicks: self.startTicks } : {}) };
  // link() fails when the file exists: two processes racing for a free dir cannot both win.
  for (let attempt = 0; attempt < 5; attempt++) {
    const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(temp, JSON.stringify(info));
    try {
      linkSync(temp, path);
      return handle(path, info);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      rmSync(temp, { force: true });
    }
    const holder = readLock(path);
    if (holder && isAlive(holder)) throw new DataDirLocked(dir, holder);
    takeOverStale(dir, path);
  }
  throw new Error(`could not take the lock ${path}: it keeps changing hands`);
}

/** The live holder of the data dir's lock, or undefined when it is free or stale. */
export function liveHolder(dataDir: string): LockInfo | undefined {
  const holder = readLock(join(resolve(dataDir), LOCK_FILE));
  return holder && isAlive(holder) ? holder : undefined;
}

/**
 * Moves a stale lock aside (rename is atomic). If what was moved turns out to be a fresh live lock
 * (another process took the stale one over first), it is put back and that process keeps it.
 */
function takeOverStale(dir: string, path: string): void {
  const aside = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.stale`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  let moved: LockInfo | undefined;
  try {
    moved = readLock(aside);
  } catch (error) {
    // Something else was put in its place after it was read (a directory): it goes back where it was.
    if (!(error instanceof NotALockFile)) throw error;
    renameSync(aside, path);
    throw new NotALockFile(path, error.what);
  }
  if (moved && isAlive(moved)) {
    try {
      linkSync(aside, path);
    } catch {
      // a third process holds it now; either way the live holder is not us
    }
    rmSync(aside, { force: true });
    throw new DataDirLocked(dir, moved);
  }
  rmSync(aside, { force: true });
}

/**
 * The lock's holder as the file says; undefined when there is no file or it says nothing usable (a
 * stale lock, to be taken over). A FIFO, a directory or a link in its place is refused (plain-file.ts):
 * a FIFO held every command forever on its read, a directory was moved aside as stale and then could
 * not be removed.
 */
function readLock(file: string): LockInfo | undefined {
  let text: string | undefined;
  try {
    text = readPlainText(file, { followLinks: false });
  } catch (error) {
    if (error instanceof NotAPlainFile) throw new NotALockFile(file, error.what);
    throw error;
  }
  if (text === undefined) return undefined;
  try {
    const raw = JSON.parse(text) as Partial<LockInfo>;
    if (!Number.isInteger(raw.pid) || (raw.pid as number) <= 0) return undefined;
    return {
      pid: raw.pid as number,
      command: String(raw.command ?? 'unknown'),
      startedAt: String(raw.startedAt ?? ''),
      ...(Number.isInteger(raw.port) ? { port: raw.port } : {}),
      ...(typeof raw.host === 'string' ? { host: raw.host } : {}),
      ...(typeof raw.flowsDir === 'string' ? { flowsDir: raw.flowsDir } : {}),
      ...(typeof raw.bootId === 'string' ? { bootId: raw.bootId } : {}),
      ...(typeof raw.startTicks === 'string' ? { startTicks: raw.startTicks } : {}),
    };
  } catch {
    return undefined;
  }
}

/** Whether the lock's holder still runs: its pid exists and, where the lock says, is the same process. */
function isAlive(holder: LockInfo): boolean {
  if (!pidExists(holder.pid)) return false;
  const now = processState(holder.pid);
  if (!now) return true; // no /proc (not Linux), or not readable: the pid decides
  if (now.state === 'Z' || now.state === 'X') return false; // exited, not yet reaped by its parent
  if (holder.bootId !== undefined && holder.bootId !== now.bootId) return false; // taken before a reboot
  return holder.startTicks === undefined || holder.startTicks === now.startTicks; // else the pid was reused
}

function pidExists(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

interface ProcessState {
  bootId: string;
  startTicks: string;
  /** R, S, D…; Z for a zombie. */
  state: string;
}

/** The process's state and start tick from /proc (Linux), with this boot's id; undefined elsewhere. */
function processState(pid: number): ProcessState | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (command) state ppid …": the command may hold spaces and parentheses, so split after the last ")".
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const startTicks = fields[19]; // field 22 of proc(5), counted from the state (field 3)
    if (!fields[0] || !/^\d+$/.test(startTicks ?? '')) return undefined;
    return { bootId: readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(), startTicks, state: fields[0] };
  } catch {
    return undefined;
  }
}

function handle(path: string, info: LockInfo): DataDirLock {
  let released = false;
  return {
    path,
    info,
    setAddress(host, port, flowsDir) {
      info.host = host;
      info.port = port;
      if (flowsDir !== undefined) info.flowsDir = flowsDir;
      // Atomic (readers see the old lock or the new one) but not fsynced: the lock means nothing after
      // a crash (its pid is dead, so it is stale), and an fsync here held up every start by a disk flush.
      const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
      try {
        writeFileSync(temp, JSON.stringify(info));
        renameSync(temp, path);
      } catch (error) {
        rmSync(temp, { force: true });
        throw error;
      }
    },
    release() {
      if (released) return;
      released = true;
      try {
        const current = readLock(path);
        if (current?.pid === info.pid && current.startedAt === info.startedAt) rmSync(path, { force: true });
      } catch {
        // not ours any more: left as it is
      }
    },
  };
}
