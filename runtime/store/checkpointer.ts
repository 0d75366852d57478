// WAL checkpoints on a worker thread. A checkpoint copies the write-ahead log into the database file
// and syncs it to disk; done by SQLite inside a commit (wal_autocheckpoint), that write and fsync
// stall the event loop every few hundred runs. Here a second connection checkpoints passively (never
// blocking the writer) a few times a second; the main connection keeps a large autocheckpoint as a
// safety net, should the worker fall behind or stop.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { LOWER_THREAD_PRIORITY_SOURCE } from './background-priority';

const INTERVAL_MS = 250;
const START_AFTER_MS = 1000;
const RESTART_MS = 30_000;

const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driver);
function main() {
  let db;
  try {
    db = new Database(workerData.file, { fileMustExist: true });
    db.pragma('busy_timeout = 1000');
  } catch (error) {
    parentPort.postMessage({ error: 'cannot open the database: ' + String((error && error.message) || error), fatal: true });
    parentPort.close();
    return;
  }
  parentPort.postMessage({ ready: true });
  const note = lowerThreadPriority('the WAL checkpoint worker');
  if (note) parentPort.postMessage({ note });
  let failing = false;
  const tick = () => {
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
      if (failing) parentPort.postMessage({ recovered: true });
      failing = false;
    } catch (error) {
      // a full or read-only disk: the writer reports it to the runs; keep trying
      if (!failing) parentPort.postMessage({ error: String((error && error.message) || error) });
      failing = true;
    }
  };
  const timer = setInterval(tick, workerData.intervalMs);
  parentPort.on('message', (message) => {
    if (message === 'stop') {
      clearInterval(timer);
      try { db.close(); } catch {}
      parentPort.close();
    }
  });
}
${LOWER_THREAD_PRIORITY_SOURCE}
main();
`;

export interface Checkpointer {
  stop(): void;
  /** Workers started so far (one, plus one per restart). */
  readonly starts: number;
}

export interface CheckpointerTiming {
  /** Short-lived processes (a CLI command, a test) close the store before this and never start a thread. */
  startAfterMs?: number;
  /** A worker that could not start or stopped (out of file descriptors, of memory) is tried again after this. */
  restartMs?: number;
}

/**
 * Checkpoints `file` (a WAL database) on a worker thread, started after startAfterMs; the worker never
 * keeps the process alive. Its failures are logged: commits then checkpoint as SQLite always does, and
 * a worker that stopped is started again after restartMs, so a passing shortage does not last.
 */
export function startCheckpointer(file: string, log: (message: string) => void = () => {}, timing: CheckpointerTiming = {}): Checkpointer {
  const { startAfterMs = START_AFTER_MS, restartMs = RESTART_MS } = timing;
  let stopped = false;
  let worker: Worker | undefined;
  let down = false;
  let timer: NodeJS.Timeout;
  const later = (ms: number) => {
    timer = setTimeout(start, ms);
    timer.unref();
  };
  const stoppedWith = (which: Worker | undefined, why: string) => {
    if (stopped || which !== worker) return;
    worker = undefined;
    if (!down) log(`the WAL checkpoint worker stopped (SQLite checkpoints in commits instead; trying again every ${restartMs / 1000} s): ${why}`);
    down = true;
    which?.terminate().catch(() => {});
    later(restartMs);
  };
  let starts = 0;
  let priorityFailureLogged = false; // a restarted worker would say it again
  const start = () => {
    if (stopped) return;
    starts++;
    let started: Worker;
    try {
      const driver = createRequire(import.meta.url).resolve('better-sqlite3');
      started = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, driver, intervalMs: INTERVAL_MS } });
    } catch (error) {
      return stoppedWith(undefined, (error as Error).message);
    }
    worker = started;
    started.unref();
    started.on('message', (message: { error?: string; recovered?: boolean; fatal?: boolean; ready?: boolean; note?: string }) => {
      if (stopped) return;
      if (message.note) {
        if (!priorityFailureLogged) log(message.note);
        priorityFailureLogged = true;
      } else if (message.fatal) stoppedWith(started, message.error ?? 'unknown');
      else if (message.ready && down) {
        down = false;
        log('the WAL checkpoint worker runs again');
      } else if (message.error) log(`WAL checkpoint failed (retrying; commits still checkpoint themselves): ${message.error}`);
      else if (message.recovered) log('WAL checkpoints work again');
    });
    // A worker that cannot start or dies must not take the process with it.
    started.on('error', (error) => stoppedWith(started, error.message));
    started.on('exit', (code) => stoppedWith(started, `it exited with code ${code}`));
  };
  later(startAfterMs);
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      worker?.postMessage('stop');
    },
    get starts() {
      return starts;
    },
  };
}
