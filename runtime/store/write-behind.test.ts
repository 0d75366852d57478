import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDb, type Db } from './db';
import { until } from '../../test/helpers/poll';
import { MAX_HOLD_MS, WriteBehind } from './write-behind';

let db: Db;
let writes: WriteBehind;
let queued: number[];
const committed = () => db.prepare('SELECT n FROM t ORDER BY n').pluck().all();

beforeEach(() => {
  db = openDb(':memory:');
  db.exec('CREATE TABLE t (n INTEGER)');
  writes = new WriteBehind(db);
  queued = [];
  writes.addSource({
    take() {
      if (queued.length === 0) return undefined;
      const taken = queued;
      queued = [];
      return { write: (out) => taken.forEach((n) => out.run('INSERT INTO t (n) VALUES (?)', n)), restore: () => (queued = taken.concat(queued)) };
    },
  });
});
afterEach(() => db.close());

function push(n: number): void {
  queued.push(n);
  writes.schedule();
}

async function turns(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await nextTurn();
}

describe('write-behind holds', () => {
  it('commits in the next turn when nothing holds it', async () => {
    push(1);
    await turns(2);
    expect(committed()).toEqual([1]);
  });

  it('holds the commit while a burst is under way, then writes everything in one commit', async () => {
    let busy = true;
    writes.holdWhile(() => busy);
    const done = writes.flushed();
    push(1);
    await turns(5);
    push(2);
    await turns(5);
    expect(committed()).toEqual([]);
    busy = false;
    await done;
    expect(committed()).toEqual([1, 2]);
  });

  it('holds a commit at most MAX_HOLD_MS', async () => {
    writes.holdWhile(() => true);
    const started = performance.now();
    push(1);
    await writes.flushed();
    expect(performance.now() - started).toBeGreaterThanOrEqual(MAX_HOLD_MS - 1);
    expect(committed()).toEqual([1]);
  });

  it('never holds a commit the writer thread makes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'atelier-hold-'));
    const file = join(dir, 'atelier.db');
    const fileDb = openDb(file);
    fileDb.exec('CREATE TABLE t (n INTEGER)');
    const threaded = new WriteBehind(fileDb, { thread: { file, pragmas: [] } });
    try {
      await until('the writer thread ready', () => threaded.threaded);
      let pending: number[] = [];
      let takes = 0;
      threaded.addSource({
        take() {
          if (pending.length === 0) return undefined;
          takes++;
          const taken = pending;
          pending = [];
          return { write: (out) => taken.forEach((n) => out.run('INSERT INTO t (n) VALUES (?)', n)), restore: () => (pending = taken.concat(pending)) };
        },
      });
      threaded.holdWhile(() => true);
      pending = Array.from({ length: 100 }, (_, i) => i); // enough statements for the thread
      const done = threaded.flushed();
      await nextTurn(); // the commit's turn: held, it would be put off (MAX_HOLD_MS)
      expect(takes).toBe(1);
      await done;
      const other = new Database(file, { readonly: true });
      expect(other.prepare('SELECT COUNT(*) FROM t').pluck().get()).toBe(100);
      other.close();
      expect(committed()).toEqual([]); // the main-connection store of the other tests holds nothing here
    } finally {
      threaded.stop();
      fileDb.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('does not wait for a deferred part that wrote no statement (the thread answers none)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'atelier-empty-deferred-'));
    const file = join(dir, 'atelier.db');
    const fileDb = openDb(file);
    fileDb.exec('CREATE TABLE t (n INTEGER)');
    const logs: string[] = [];
    const threaded = new WriteBehind(fileDb, { thread: { file, pragmas: [] }, log: (line) => logs.push(line) });
    try {
      await until('the writer thread ready', () => threaded.threaded);
      let pending = true;
      threaded.addSource({
        take: () => (pending ? { write: (out) => Array.from({ length: 100 }, (_, n) => out.run('INSERT INTO t (n) VALUES (?)', n)), restore: () => {} } : undefined),
      });
      let emptyCommitted = 0;
      threaded.addSource({ take: () => (pending ? { deferred: true, write: () => {}, restore: () => {}, committed: () => void emptyCommitted++ } : undefined) });
      threaded.flush();
      pending = false;
      // Waiting for an answer that never comes ends after the thread's 30 s limit, with the thread dropped.
      expect(threaded.threaded).toBe(true);
      expect(logs).toEqual([]);
      expect(emptyCommitted).toBe(1);
      const other = new Database(file, { readonly: true });
      expect(other.prepare('SELECT COUNT(*) FROM t').pluck().get()).toBe(100);
      other.close();
    } finally {
      threaded.stop();
      fileDb.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('never holds an explicit flush, and a released hold holds nothing', async () => {
    const release = writes.holdWhile(() => true);
    push(1);
    writes.flush();
    expect(committed()).toEqual([1]);
    release();
    push(2);
    await turns(2);
    expect(committed()).toEqual([1, 2]);
  });
});
