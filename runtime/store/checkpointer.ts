// WAL checkpoints on a worker thread. A checkpoint copies the write-ahead log into the database file
// and syncs it to disk; done by SQLite inside a commit (wal_autocheckpoint), that write and fsync
// stall the event loop every few hundred runs. Here a second connection checkpoints passively (never
// blocking the writer) a few times a second; the main connection keeps a large autocheckpoint as a
// safety net, should the worker fall behind or stop.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const INTERVAL_MS = 250;
/** Short-lived processes (a CLI command, a test) close the store before this and never start a thread. */
const START_AFTER_MS = 1000;

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
main();
`;

export interface Checkpointer {
  stop(): void;
}

/**
 * Checkpoints `file` (a WAL database) on a worker thread, started after START_AFTER_MS; the worker never
 * keeps the process alive. Its failures are logged: commits then checkpoint as SQLite always does.
 */
export function startCheckpointer(file: string, log: (message: string) => void = () => {}): Checkpointer {
  let stopped = false;
  let worker: Worker | undefined;
  const start = () => {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, driver, intervalMs: INTERVAL_MS } });
    worker.unref();
    worker.on('message', (message: { error?: string; recovered?: boolean; fatal?: boolean }) => {
      if (stopped) return;
      if (message.fatal) log(`the WAL checkpoint worker stopped (SQLite checkpoints in commits instead): ${message.error}`);
      else if (message.error) log(`WAL checkpoint failed (retrying; commits still checkpoint themselves): ${message.error}`);
      else if (message.recovered) log('WAL checkpoints work again');
    });
    // A worker that cannot start or dies must not take the process with it.
    worker.on('error', (error) => {
      if (!stopped) log(`the WAL checkpoint worker stopped (SQLite checkpoints in commits instead): ${error.message}`);
    });
  };
  const timer = setTimeout(start, START_AFTER_MS);
  timer.unref();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      worker?.postMessage('stop');
    },
  };
}
