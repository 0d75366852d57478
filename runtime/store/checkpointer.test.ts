import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { until } from '../../test/helpers/poll';
import { startCheckpointer, type Checkpointer } from './checkpointer';
import { openDb, type Db } from './db';

let dir: string;
let db: Db | undefined;
let checkpointer: Checkpointer | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'atelier-checkpointer-'));
});
afterEach(() => {
  checkpointer?.stop();
  db?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Writes about 1 MB that only a checkpoint moves from the write-ahead log into the database file. */
function writeToWal(target: Db): void {
  target.pragma('wal_autocheckpoint = 0');
  target.exec('CREATE TABLE IF NOT EXISTS t (blob BLOB)');
  const insert = target.prepare('INSERT INTO t (blob) VALUES (?)');
  for (let i = 0; i < 64; i++) insert.run(Buffer.alloc(16 * 1024, i));
}

it('checkpoints the write-ahead log into the database file on its thread', async () => {
  const file = join(dir, 'atelier.db');
  db = openDb(file);
  writeToWal(db);
  const before = statSync(file).size;
  checkpointer = startCheckpointer(file, () => {}, { startAfterMs: 0 });
  await until('the database file to take the logged pages', () => statSync(file).size > before + 512 * 1024);
});

it('a worker that could not start is tried again, says so once, and then checkpoints', async () => {
  const file = join(dir, 'atelier.db');
  const logs: string[] = [];
  // The database is not there yet: the worker stops, as it does when a process is out of descriptors.
  checkpointer = startCheckpointer(file, (message) => logs.push(message), { startAfterMs: 0, restartMs: 50 });
  await until('the failure to be logged', () => logs.length > 0);
  expect(logs[0]).toMatch(/the WAL checkpoint worker stopped \(SQLite checkpoints in commits instead; trying again every 0.05 s\): cannot open the database/);
  await until('several failed tries', () => checkpointer!.starts >= 4);
  expect(logs).toHaveLength(1);

  db = openDb(file);
  writeToWal(db);
  const before = statSync(file).size;
  await until('the worker to run again', () => logs.includes('the WAL checkpoint worker runs again'));
  await until('the database file to take the logged pages', () => statSync(file).size > before + 512 * 1024);
  expect(logs).toHaveLength(2);
});
