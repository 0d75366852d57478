// WAL checkpoints on a worker thread. A checkpoint copies the write-ahead log into the database file
// and syncs it to disk; done by SQLite inside a commit (wal_autocheckpoint), that write and fsync
// stall the event loop every few hundred runs. Here a second connection checkpoints passively (never
// blocking the writer) a few times a second; the main connection keeps a large autocheckpoint as a
// safety net, should the worker fall behind or stop.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const INTERVAL_MS = 250;

const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 1000');
let failing = false;
const tick = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
    if (failing) parentPort.postMessage({ recovered: true });
    failing = false;
  } catch (error) {
    // a full or read-only disk: the writer reports it to the runs; keep trying
    if (!failing) parentPort.postMessage({ error: String(error && error.message || error) });
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
`;

export interface Checkpointer {
  stop(): void;
}

/** Starts checkpointing `file` (a WAL database) on a worker thread; the worker never keeps the process alive. */
export function startCheckpointer(file: string, log: (message: string) => void = () => {}): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, driver, intervalMs: INTERVAL_MS } });
  worker.unref();
  worker.on('message', (message: { error?: string; recovered?: boolean }) => {
    if (message.error) log(`WAL checkpoint failed (retrying; commits still checkpoint themselves): ${message.error}`);
    else if (message.recovered) log('WAL checkpoints work again');
  });
  // A worker that cannot start or dies must not take the process with it: SQLite's own checkpoints remain.
  worker.on('error', (error) => log(`the WAL checkpoint worker stopped (SQLite checkpoints in commits instead): ${error.message}`));
  return {
    stop() {
      worker.postMessage('stop');
    },
  };
}
