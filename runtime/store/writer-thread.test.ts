import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunEvent, RunEventBody, RunRecord } from '../../model/events';
import type { Flow } from '../../model/flow';
import { applyEvent } from '../../model/run-record';
import { until } from '../../test/helpers/poll';
import { openDb } from './db';
import { openStore, type Store } from './index';
import { WriteBehind } from './write-behind';
import { LONG_TEXT_BYTES, SharedValues } from './shared-values';
import { EncodedWrites, StatementNames } from './sql-writes';
import { fieldRows } from '../../test/helpers/shared-fields';
import { WriterThread, type WriterAnswer } from './writer-thread';

let dir: string;
let store: Store | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'atelier-writer-'));
});
afterEach(() => {
  store?.close();
  store = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const flow: Flow = {
  format: 'atelier.flow/1',
  name: 'one',
  revision: 1,
  inputs: {},
  outputs: {},
  nodes: [{ id: 'a', type: 't', position: { x: 0, y: 0 }, params: {} }],
  edges: [],
};

/** A finished one-node run, as the run manager writes it: created, four events, saved. */
function finishedRun(runs: Store['runs'], id: string): void {
  const record: RunRecord = { id, status: 'queued', startedAt: new Date().toISOString(), outputs: {}, nodes: {} };
  runs.create(record, flow);
  let seq = 0;
  const emit = (body: RunEventBody) => {
    const event: RunEvent = { ...body, runId: id, seq: ++seq, ts: new Date().toISOString() };
    applyEvent(record, event);
    runs.appendEvent(event);
  };
  emit({ type: 'run.started' });
  emit({ type: 'node.started', nodeId: 'a' });
  emit({ type: 'node.finished', nodeId: 'a', outputs: { n: 1 }, durationMs: 1, cached: false });
  emit({ type: 'run.finished', status: 'succeeded', outputs: {} });
  runs.save(record);
}

/** What a second connection (another process) sees committed. */
function committedRuns(): { runs: number; events: number } {
  const other = new Database(join(dir, 'atelier.db'), { readonly: true });
  try {
    return {
      runs: other.prepare('SELECT COUNT(*) FROM runs').pluck().get() as number,
      events: (other.prepare('SELECT SUM(last_seq - first_seq + 1) FROM events').pluck().get() as number | null) ?? 0,
    };
  } finally {
    other.close();
  }
}

async function threadedStore(): Promise<Store> {
  const opened = openStore(dir);
  await until('the writer thread ready', () => opened.writes.threaded);
  return opened;
}

describe('writer thread', () => {
  it("commits a burst's batch on its own connection while reads keep seeing every run and event exactly once", async () => {
    store = await threadedStore();
    const ids = Array.from({ length: 300 }, (_, i) => `run-${String(i).padStart(3, '0')}`);
    for (const id of ids) finishedRun(store.runs, id);
    const durable = store.runs.flushed();
    let settled = false;
    void durable.then(() => (settled = true));
    // Every turn until it is committed, and once after: in memory, in flight or in the database.
    for (let turn = 0; !settled || turn === 0; turn++) {
      for (const id of [ids[0], ids[150], ids[299]]) {
        expect(store.runs.get(id)?.status).toBe('succeeded');
        expect(store.runs.eventsSince(id).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
        expect(store.runs.lastSeq(id)).toBe(4);
        expect(store.runs.flowOf(id)?.name).toBe('one');
      }
      await nextTurn();
    }
    await durable;
    expect(committedRuns()).toEqual({ runs: 300, events: 1200 });
    expect(store.runs.eventsSince(ids[42]).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
  });

  it('waits for the batch in flight, and for deferred cache rows, when flushed synchronously', async () => {
    store = await threadedStore();
    for (let i = 0; i < 200; i++) finishedRun(store.runs, `first-${i}`);
    await nextTurn(); // the first burst's commit is sent to the thread
    for (let i = 0; i < 10; i++) finishedRun(store.runs, `second-${i}`);
    for (let i = 0; i < 100; i++) store.cache.set(`key-${i}`, 't', { outputs: { n: i } }); // a deferred part
    store.writes.flush();
    expect(committedRuns()).toEqual({ runs: 210, events: 840 });
    const other = new Database(join(dir, 'atelier.db'), { readonly: true });
    expect(other.prepare('SELECT COUNT(*) FROM cache').pluck().get()).toBe(100);
    other.close();
  });

  it('keeps a batch the thread could not commit and writes it once the connection can write again', async () => {
    store = await threadedStore();
    store.writes.pragma('query_only = 1'); // every write is SQLITE_READONLY, on the thread's connection too
    for (let i = 0; i < 100; i++) finishedRun(store.runs, `kept-${i}`);
    await expect(store.runs.flushed()).rejects.toThrow(/store_unavailable: .*SQLITE_READONLY/);
    expect(store.runs.get('kept-7')?.status).toBe('succeeded'); // still served from memory
    expect(store.runs.eventsSince('kept-7')).toHaveLength(4);
    expect(committedRuns()).toEqual({ runs: 0, events: 0 });
    store.writes.pragma('query_only = 0');
    store.writes.flush();
    expect(committedRuns()).toEqual({ runs: 100, events: 400 });
  });

  it('applies a setting made while it was still starting before its first batch', async () => {
    store = openStore(dir);
    store.writes.pragma('query_only = 1'); // before the thread is ready
    await until('the writer thread ready', () => store!.writes.threaded);
    for (let i = 0; i < 100; i++) finishedRun(store.runs, `late-${i}`);
    await expect(store.runs.flushed()).rejects.toThrow(/SQLITE_READONLY/);
    store.writes.pragma('query_only = 0');
    store.writes.flush();
    expect(committedRuns().runs).toBe(100);
  });

  it('answers what it has in flight before it stops; later commits run on the main connection', async () => {
    store = await threadedStore();
    for (let i = 0; i < 100; i++) finishedRun(store.runs, `before-stop-${i}`);
    const durable = store.runs.flushed();
    await nextTurn(); // sent to the thread
    store.writes.stop();
    await expect(durable).resolves.toBeUndefined();
    expect(store.writes.threaded).toBe(false);
    expect(committedRuns()).toEqual({ runs: 100, events: 400 });
    for (let i = 0; i < 100; i++) finishedRun(store.runs, `after-stop-${i}`);
    await store.runs.flushed();
    expect(committedRuns()).toEqual({ runs: 200, events: 800 });
  });

  it('writes text in any script, numbers, nulls and deflated rows (BLOBs) as the main connection does', async () => {
    store = await threadedStore();
    const wide: Flow = { ...flow, name: 'wide 🌍 ünïcödé', nodes: Array.from({ length: 500 }, (_, i) => ({ id: `n${i}`, type: 't', position: { x: i, y: i / 3 }, params: { label: `noeud ${i} — 節点` } })) };
    const record: RunRecord = { id: 'wide-run', status: 'queued', startedAt: new Date().toISOString(), outputs: {}, nodes: {} };
    store.runs.create(record, wide);
    // A small flow waits for the commit as UTF-8 bytes: read back while pending, then stored as text.
    const accented: Flow = { ...flow, name: 'petit 🌍 節点 — ünïcödé' };
    store.runs.create({ ...record, id: 'accented-run' }, accented);
    expect(store.runs.flowOf('accented-run')).toEqual(accented);
    for (let i = 0; i < 100; i++) finishedRun(store.runs, `small-${i}`); // enough for the thread
    await store.runs.flushed();
    const other = new Database(join(dir, 'atelier.db'), { readonly: true });
    try {
      expect(other.prepare("SELECT typeof(flow_json) FROM runs WHERE id = 'wide-run'").pluck().get()).toBe('blob');
      expect(other.prepare("SELECT typeof(flow_json) FROM runs WHERE id = 'small-1'").pluck().get()).toBe('text');
      expect(other.prepare("SELECT flow_json FROM runs WHERE id = 'accented-run'").pluck().get()).toBe(JSON.stringify(accented));
      expect(other.prepare("SELECT typeof(finished_at) FROM runs WHERE id = 'wide-run'").pluck().get()).toBe('null');
      expect(other.prepare("SELECT typeof(last_seq) FROM events WHERE run_id = 'small-1'").pluck().get()).toBe('integer');
      // Long text crosses as UTF-8 bytes and is cast back to text (a 4-event row is long, a one-node record too).
      expect(other.prepare("SELECT typeof(json), json FROM events WHERE run_id = 'small-1'").raw().get()).toEqual(['text', expect.stringContaining('"node.finished"')]);
      expect(other.prepare("SELECT typeof(record_json) FROM runs WHERE id = 'small-1'").pluck().get()).toBe('text');
      expect(other.prepare("SELECT length(CAST(json AS BLOB)) > 256 FROM events WHERE run_id = 'small-1'").pluck().get()).toBe(1);
    } finally {
      other.close();
    }
    expect(store.runs.flowOf('wide-run')).toEqual(wide);
  });

  it('fails a batch with a value no parameter takes before sending it, and keeps writing the next ones', async () => {
    store = await threadedStore();
    const runs = store.runs as unknown as { create(record: RunRecord, flow: Flow): void };
    for (let i = 0; i < 100; i++) finishedRun(store.runs, `dropped-${i}`);
    // A record whose flow id is a number cannot be told from an id: SQLite would store it; a boolean it cannot bind.
    runs.create({ id: 'bad', flowId: true as unknown as string, status: 'queued', startedAt: new Date().toISOString(), outputs: {}, nodes: {} }, flow);
    await expect(store.runs.flushed()).rejects.toThrow(/store_unavailable: a write batch failed and was dropped: .*boolean parameter/);
    for (let i = 0; i < 100; i++) finishedRun(store.runs, `kept-${i}`);
    await store.runs.flushed();
    expect(committedRuns()).toEqual({ runs: 100, events: 400 });
    expect(store.writes.threaded).toBe(true);
  });

  it('closes its connection before the store closes: the data dir can go at once', async () => {
    store = await threadedStore();
    for (let i = 0; i < 100; i++) finishedRun(store.runs, `closing-${i}`);
    await nextTurn();
    store.close();
    store = undefined;
    expect(committedRuns()).toEqual({ runs: 100, events: 400 });
    rmSync(dir, { recursive: true }); // no file reappears behind the removal
  });

  it('says so and commits on the main connection when the thread cannot open the database', async () => {
    const db = openDb(join(dir, 'atelier.db'));
    db.exec('CREATE TABLE t (n INTEGER)');
    const logs: string[] = [];
    const writes = new WriteBehind(db, { thread: { file: join(dir, 'missing', 'atelier.db'), pragmas: [] }, log: (line) => logs.push(line) });
    let queued: number[] = [];
    writes.addSource({
      take() {
        if (queued.length === 0) return undefined;
        const taken = queued;
        queued = [];
        return { write: (out) => taken.forEach((n) => out.run('INSERT INTO t (n) VALUES (?)', n)), restore: () => (queued = taken.concat(queued)) };
      },
    });
    try {
      await until('the lost thread logged', () => {
        void writes.threaded; // asks the thread's state, as a commit does
        return logs.length > 0;
      });
      expect(logs[0]).toMatch(/writer thread stopped \(commits run on the main thread from now on\): cannot open the database/);
      queued = Array.from({ length: 100 }, (_, i) => i);
      writes.schedule();
      await writes.flushed();
      expect(db.prepare('SELECT COUNT(*) FROM t').pluck().get()).toBe(100);
    } finally {
      writes.stop();
      db.close();
    }
  });

  it('runs rows of fields held in other shared memory, in durable and deferred parts, byte for byte', async () => {
    const { db, thread, answers } = insertingThread('shared.db', 'CREATE TABLE t (n INTEGER, a TEXT, b TEXT)');
    try {
      const texts = ['ключ-✓-😀', `{"outputs":"${'é'.repeat(LONG_TEXT_BYTES)}"}`, ''];
      const fieldsOf = (i: number) => [`row ${i}`, i % 4 === 3 ? null : texts[i % 4]];
      const names = new StatementNames();
      const out = new EncodedWrites(names, new SharedValues(new SharedArrayBuffer(1 << 12)));
      out.runRows('INSERT INTO t (a, b, n) VALUES (?, ?, ?)', fieldRows(3, fieldsOf), 1);
      const durableEnd = out.values.length;
      out.runRows('INSERT INTO t (a, b, n) VALUES (?, ?, ?)', fieldRows(300, fieldsOf), 2);
      const id = thread.post(names.texts, out.values.buffer, durableEnd, out.values.length, out.values.shared);
      await until('both parts answered', () => answers.length === 2);
      expect(answers).toEqual([`${id}`, `${id} deferred`]);
      for (const [n, count] of [[1, 3], [2, 300]]) {
        const stored = db.prepare('SELECT a, b, typeof(a) AS type FROM t WHERE n = ? ORDER BY rowid').all(n);
        expect(stored).toEqual(Array.from({ length: count }, (_, i) => ({ a: fieldsOf(i)[0], b: fieldsOf(i)[1], type: 'text' })));
      }
    } finally {
      thread.stop();
      db.close();
    }
  });

  it("commits every waiting batch's durable part before any deferred part", async () => {
    const { db, thread, answers, batch } = insertingThread('order.db', 'CREATE TABLE t (n INTEGER)');
    try {
      const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);
      // Both sent before the thread is ready: it finds the second waiting when the first's durable part is done.
      const first = thread.post(...batch([0], range(1000, 5000)));
      const second = thread.post(...batch([1], []));
      await until('both batches answered in full', () => answers.length === 3);
      expect(answers).toEqual([`${first}`, `${second}`, `${first} deferred`]);
      expect(db.prepare('SELECT COUNT(*) FROM t').pluck().get()).toBe(5002);
    } finally {
      thread.stop();
      db.close();
    }
  });

  it('commits a durable part that comes while a long deferred part of rows is being committed before that part ends, and all of both', async () => {
    const { db, thread, answers } = insertingThread('give-way-rows.db', 'CREATE TABLE t (n INTEGER, k TEXT); CREATE INDEX t_k ON t (k)');
    try {
      const names = new StatementNames();
      const rows = new EncodedWrites(names, new SharedValues(new SharedArrayBuffer(1 << 16)));
      rows.runRows('INSERT INTO t (k, n) VALUES (?, ?)', fieldRows(200_000, () => [String(Math.random())]), -1);
      const first = thread.post(names.texts, rows.values.buffer, 0, rows.values.length, rows.values.shared);
      await until("the first batch's durable part answered", () => answers.length === 1);
      const durable = new EncodedWrites(names, new SharedValues(new SharedArrayBuffer(1 << 10)));
      durable.run('INSERT INTO t (n) VALUES (?)', -2);
      const second = thread.post(names.texts, durable.values.buffer, durable.values.length, durable.values.length); // the thread is committing the rows now
      await until('both batches answered in full', () => answers.length === 3);
      expect(answers).toEqual([`${first}`, `${second}`, `${first} deferred`]);
      expect(db.prepare('SELECT COUNT(*) FROM t').pluck().get()).toBe(200_001);
    } finally {
      thread.stop();
      db.close();
    }
  });

  it('commits a durable part that comes while a long deferred part is being committed before that part ends, and all of both', async () => {
    // Random values into an index: a few hundred milliseconds of work for the thread.
    const { db, thread, answers, batch } = insertingThread('give-way.db', 'CREATE TABLE t (n INTEGER); CREATE INDEX t_n ON t (n)');
    try {
      const first = thread.post(...batch([-1], Array.from({ length: 300_000 }, () => Math.random())));
      await until("the first batch's durable part answered", () => answers.length === 1);
      const second = thread.post(...batch([-2], [])); // the thread is committing the deferred part now
      await until('both batches answered in full', () => answers.length === 3);
      expect(answers).toEqual([`${first}`, `${second}`, `${first} deferred`]);
      expect(db.prepare('SELECT COUNT(*) FROM t').pluck().get()).toBe(300_002);
    } finally {
      thread.stop();
      db.close();
    }
  });
});

/** A writer thread on a new file with table t (made by `schema`), its answers as text, and batches inserting numbers into t. */
function insertingThread(name: string, schema: string) {
  const file = join(dir, name);
  const db = openDb(file);
  db.exec(schema);
  const answers: string[] = [];
  const thread = new WriterThread({ file, pragmas: [], onAnswer: (answer: WriterAnswer) => answers.push(`${answer.id}${answer.lazy ? ' deferred' : ''}${answer.error ? ` ${answer.error.message}` : ''}`), onLost: (why) => answers.push(`lost: ${why}`) });
  const batch = (durable: number[], deferred: number[]) => {
    const values = new SharedValues(new SharedArrayBuffer(1 << 16));
    for (const n of durable) [0, 1, n].forEach((value) => values.writeValue(value));
    const durableEnd = values.length;
    for (const n of deferred) [0, 1, n].forEach((value) => values.writeValue(value));
    return [['INSERT INTO t (n) VALUES (?)'], values.buffer, durableEnd, values.length] as const;
  };
  return { db, thread, answers, batch };
}
