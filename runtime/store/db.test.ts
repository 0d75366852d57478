import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDb, PAGE_SIZE } from './db';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'atelier-db-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('openDb', () => {
  it('creates a new database with large pages in WAL mode', () => {
    const db = openDb(join(dir, 'new.db'));
    expect(db.pragma('page_size', { simple: true })).toBe(PAGE_SIZE);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('refuses a file that is not a database, naming it and what to do, and leaves it as it was', () => {
    const file = join(dir, 'atelier.db');
    const bytes = randomBytes(64 * 1024);
    writeFileSync(file, bytes);
    expect(() => openDb(file)).toThrow(`${file} is not a SQLite database`);
    expect(() => openDb(file)).toThrow(/move it .* out of the data dir/);
    expect(readFileSync(file).equals(bytes)).toBe(true);
  });

  it('refuses a directory or FIFO where the database or its WAL belongs, naming the path and what it is', () => {
    const file = join(dir, 'atelier.db');
    mkdirSync(file);
    expect(() => openDb(file)).toThrow(`${file} is not a database file (it is a directory); move it out of the data dir, or point ATELIER_DATA/--data elsewhere`);
    rmSync(file, { recursive: true });
    mkdirSync(`${file}-wal`);
    expect(() => openDb(file)).toThrow(`${file}-wal is not a database file (it is a directory)`);
    rmSync(`${file}-wal`, { recursive: true });
    if (process.platform !== 'win32') {
      execFileSync('mkfifo', [`${file}-shm`]);
      expect(() => openDb(file)).toThrow(`${file}-shm is not a database file (it is a FIFO)`);
      rmSync(`${file}-shm`);
    }
    openDb(file).close();
  });

  it('opens a database made with 4 KiB pages as it is, rows intact', () => {
    const file = join(dir, 'old.db');
    const old = new Database(file);
    old.pragma('page_size = 4096');
    old.pragma('journal_mode = WAL');
    old.exec("CREATE TABLE runs (id TEXT PRIMARY KEY, flow_id TEXT, status TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT, flow_json TEXT NOT NULL, record_json TEXT NOT NULL); INSERT INTO runs VALUES ('r1', NULL, 'succeeded', 't', NULL, '{}', '{}')");
    old.close();
    const db = openDb(file);
    expect(db.pragma('page_size', { simple: true })).toBe(4096);
    expect(db.prepare('SELECT id FROM runs').pluck().all()).toEqual(['r1']);
    db.close();
  });
});
