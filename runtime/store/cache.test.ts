import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from './index';
import { CACHE_KEY_HEX_DIGITS, CACHE_KEY_INDEXED, cacheKeyIndexed, openDb } from './db';
import { until } from '../../test/helpers/poll';

let dir: string;
let store: Store;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'atelier-cache-'));
});
afterEach(() => {
  store?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Deletes cache rows through a connection of its own, as another process would: only what memory holds is still answered. */
function deleteRowsElsewhere(where = '1'): void {
  const other = new Database(join(dir, 'atelier.db'));
  try {
    other.prepare(`DELETE FROM cache WHERE ${where}`).run();
  } finally {
    other.close();
  }
}

const rows = () => (store.db.prepare('SELECT COUNT(*) AS n FROM cache').get() as { n: number }).n;

describe('cache index', () => {
  it('keeps one row per key: a key written again replaces its row', () => {
    store = openStore(dir);
    for (let i = 0; i < 5; i++) {
      store.cache.set('k1', 't', { outputs: { value: i } });
      store.cache.set('k2', 't', { outputs: { value: -i } });
      store.cache.flush();
    }
    expect(rows()).toBe(2);
    store.close();
    store = openStore(dir); // a fresh process reads the latest result of each key
    expect(store.cache.get('k1')).toEqual({ outputs: { value: 4 } });
    expect(store.cache.get('k2')).toEqual({ outputs: { value: -4 } });
  });

  it('writes a batch in key order, and a key set twice in one batch keeps its later result', () => {
    store = openStore(dir);
    const keys = Array.from({ length: 300 }, () => randomBytes(32).toString('hex'));
    const twice = keys[150];
    store.cache.set(twice, 't', { outputs: { value: 'first' } });
    for (const key of keys) store.cache.set(key, 't', { outputs: { value: key } });
    store.cache.set(twice, 't', { outputs: { value: 'last' } });
    store.cache.flush();
    const written = store.db.prepare<[], string>('SELECT key FROM cache ORDER BY id').pluck().all();
    expect(written.map((key) => key.slice(0, 2))).toEqual(written.map((key) => key.slice(0, 2)).sort());
    store.close();
    store = openStore(dir);
    expect(store.cache.get(twice)).toEqual({ outputs: { value: 'last' } });
    expect(store.cache.get(keys[0])).toEqual({ outputs: { value: keys[0] } });
    expect(rows()).toBe(300);
  });

  it('bounds what it holds in memory and reads the rest from SQLite', () => {
    store = openStore(dir, { cacheMemoryEntries: 100 });
    for (let i = 0; i < 1000; i++) store.cache.set(`k${i}`, 't', { outputs: { value: i } });
    expect(store.cache.memorySize).toBeLessThanOrEqual(100);
    store.cache.flush();
    expect(rows()).toBe(1000);
    for (let i = 0; i < 1000; i += 37) expect(store.cache.get(`k${i}`)).toEqual({ outputs: { value: i } });
    expect(store.cache.memorySize).toBeLessThanOrEqual(100);
  });

  it('finds every key after its key filter grew past its first size, in this process and the next', () => {
    store = openStore(dir, { cacheMemoryEntries: 10 });
    const keys = 200_000; // the filter's first layer holds ~87,000 keys: it grows twice
    for (let i = 0; i < keys; i++) {
      store.cache.set(`key-${i}`, 't', { outputs: { value: i } });
      if (i % 20_000 === 19_999) store.cache.flush();
    }
    store.cache.flush();
    const sample = (i: number) => expect(store.cache.get(`key-${i}`)).toEqual({ outputs: { value: i } });
    for (let i = 0; i < keys; i += 997) sample(i);
    sample(keys - 1);
    expect(store.cache.get('key-never-set')).toBeUndefined();
    store.close();
    store = openStore(dir, { cacheMemoryEntries: 10 });
    for (let i = 0; i < keys; i += 1009) sample(i);
  });

  it('keeps recently used keys in memory (two generations), not merely recently written ones', () => {
    store = openStore(dir, { cacheMemoryEntries: 8 });
    for (let i = 0; i < 8; i++) store.cache.set(`k${i}`, 't', { outputs: { value: i } });
    store.cache.flush();
    expect(store.cache.get('k0')).toEqual({ outputs: { value: 0 } });
    for (let i = 8; i < 14; i++) store.cache.set(`k${i}`, 't', { outputs: { value: i } });
    store.cache.flush();
    deleteRowsElsewhere(); // what memory holds is still answered; the rest is read from SQLite
    // k0 was used after k1..k7 were written, so eviction took those first.
    expect(store.cache.get('k0')).toEqual({ outputs: { value: 0 } });
    expect(store.cache.get('k13')).toEqual({ outputs: { value: 13 } });
    expect(store.cache.get('k1')).toBeUndefined();
  });

  it('answers a copy of what was set, whatever the setter or another reader changes later', () => {
    store = openStore(dir);
    const outputs = { image: { artifact: 'a'.repeat(64), mediaType: 'image/png' }, text: 'été ✓ 😀', list: [1, null, { deep: true }] };
    const given = { outputs, meta: { backend: 'local', model: 'x' } };
    store.cache.set('ünïcode-key-✓', 'type.ü', given);
    const read = store.cache.get('ünïcode-key-✓')!;
    expect(read).toEqual(given);
    expect(read).not.toBe(given);
    outputs.text = 'changed';
    (read.outputs.list as unknown[]).push('added');
    expect(store.cache.get('ünïcode-key-✓')).toEqual({ outputs: { ...outputs, text: 'été ✓ 😀' }, meta: given.meta });
    store.cache.flush();
    const row = store.db.prepare('SELECT key, node_type, outputs_json, meta_json FROM cache').get();
    expect(row).toEqual({ key: 'ünïcode-key-✓', node_type: 'type.ü', outputs_json: JSON.stringify({ ...outputs, text: 'été ✓ 😀' }), meta_json: JSON.stringify(given.meta) });
  });

  it('keeps results larger than its memory chunks, and many of them, in memory and in SQLite', () => {
    store = openStore(dir, { cacheMemoryEntries: 6 });
    const big = (i: number) => ({ outputs: { text: `${i}:`.padEnd(300_000 + i * 1000, 'x'), n: i } });
    for (let i = 0; i < 5; i++) store.cache.set(`big${i}`, 't', big(i));
    for (let i = 0; i < 5; i++) expect(store.cache.get(`big${i}`)).toEqual(big(i));
    store.cache.flush();
    for (let i = 0; i < 5; i++) expect(store.cache.get(`big${i}`)).toEqual(big(i));
    expect(rows()).toBe(5);
  });

  it('answers every result in memory right while generations turn over and their memory is used again', () => {
    store = openStore(dir, { cacheMemoryEntries: 40 });
    const result = (i: number) => ({ outputs: { text: `${i}:`.padEnd(40_000 + i, 'é'), n: i } });
    for (let round = 0; round < 8; round++) {
      for (let i = round * 20; i < round * 20 + 20; i++) {
        store.cache.set(`k${i}`, 't', result(i));
        // A hit in the old generation, copied to young as young turns over (and old is let go).
        if (round > 0 && i % 20 === 19) expect(store.cache.get(`k${i - 20}`)).toEqual(result(i - 20));
      }
      store.cache.flush(); // the generations let go give their memory to the next ones here
    }
    deleteRowsElsewhere(); // from here on, only memory answers
    let answered = 0;
    for (let i = 0; i < 160; i++) {
      const got = store.cache.get(`k${i}`);
      if (got === undefined) continue;
      expect(got).toEqual(result(i));
      answered++;
    }
    expect(answered).toBeGreaterThanOrEqual(20);
  });

  it('finds results memory dropped before their rows were written, also while commits fail', () => {
    store = openStore(dir, { cacheMemoryEntries: 2 });
    for (let i = 0; i < 10; i++) store.cache.set(`k${i}`, 't', { outputs: { value: i } });
    expect(store.cache.memorySize).toBeLessThanOrEqual(2);
    expect(rows()).toBe(0); // nothing committed yet: k0 lives only in the pending batch
    expect(store.cache.get('k0')).toEqual({ outputs: { value: 0 } });

    store.writes.pragma('query_only = 1'); // the commit fails (SQLITE_READONLY): the batch is kept
    expect(() => store.cache.flush()).toThrow(/store_unavailable/);
    for (let i = 10; i < 20; i++) store.cache.set(`k${i}`, 't', { outputs: { value: i } });
    for (let i = 0; i < 20; i++) expect(store.cache.get(`k${i}`)).toEqual({ outputs: { value: i } });

    store.writes.pragma('query_only = 0');
    store.cache.flush();
    expect(rows()).toBe(20);
    for (let i = 0; i < 20; i++) expect(store.cache.get(`k${i}`)).toEqual({ outputs: { value: i } });
  });

  it('lets a result dropped from memory go once its row is written, and forgets only written results', () => {
    store = openStore(dir, { cacheMemoryEntries: 100 });
    store.cache.set('k0', 't', { outputs: { value: 0 } });
    for (let i = 1; i < 1000; i++) store.cache.set(`k${i}`, 't', { outputs: { value: i } });
    expect(store.cache.get('k0')).toEqual({ outputs: { value: 0 } }); // not written yet: still held, though dropped from the generations
    store.cache.flush();
    deleteRowsElsewhere("key = 'k0'");
    expect(store.cache.get('k0')).toBeUndefined(); // written: no longer held, read from SQLite

    store.cache.set('fresh', 't', { outputs: { value: 'new' } });
    store.cache.forgetMemory(); // what gc does after removing rows
    expect(store.cache.memorySize).toBe(0);
    deleteRowsElsewhere("key = 'k998'");
    expect(store.cache.get('fresh')).toEqual({ outputs: { value: 'new' } });
    expect(store.cache.get('k998')).toBeUndefined(); // it was in memory, written: forgotten
    expect(store.cache.get('k999')).toEqual({ outputs: { value: 999 } });
    store.cache.flush();
    expect(rows()).toBe(999);
  });

  it('writes its rows in batches of their own, without an explicit flush', async () => {
    store = openStore(dir);
    store.cache.set('k', 't', { outputs: { value: 1 } });
    await until('the batched cache row written', () => rows() > 0, { timeoutMs: 5000, intervalMs: 10 });
    expect(rows()).toBe(1);
  });

  it('answers misses without SQLite yet sees rows another connection adds', async () => {
    store = openStore(dir);
    store.cache.set('mine', 't', { outputs: { value: 1 } });
    store.cache.flush();
    expect(store.cache.get('absent')).toBeUndefined();
    const other = new Database(join(dir, 'atelier.db'));
    other.prepare("INSERT INTO cache (key, node_type, outputs_json, created_at) VALUES ('theirs', 't', '{\"value\":2}', 'x')").run();
    other.close();
    // The filter is refreshed at most every 10 ms: poll, never sleep a fixed time.
    const found = await until("the other connection's row", () => store.cache.get('theirs'), { timeoutMs: 2000, intervalMs: 5 });
    expect(found).toEqual({ outputs: { value: 2 } });
    store.close();
    store = openStore(dir, { cacheMemoryEntries: 1 }); // a new process reads every stored key into its filter
    expect(store.cache.get('mine')).toEqual({ outputs: { value: 1 } });
    expect(store.cache.get('theirs')).toEqual({ outputs: { value: 2 } });
  });

  it('turns an old append-only cache table into one row per key, the newest winning', () => {
    const file = join(dir, 'atelier.db');
    const old = new Database(file);
    old.exec(`CREATE TABLE cache (id INTEGER PRIMARY KEY, key TEXT NOT NULL, node_type TEXT NOT NULL, outputs_json TEXT NOT NULL, meta_json TEXT, created_at TEXT NOT NULL)`);
    const insert = old.prepare("INSERT INTO cache (key, node_type, outputs_json, created_at) VALUES (?, 't', ?, 'x')");
    for (let i = 0; i < 3; i++) insert.run('same', JSON.stringify({ value: i }));
    old.close();
    openDb(file).close();
    store = openStore(dir);
    expect(rows()).toBe(1);
    expect(store.cache.get('same')).toEqual({ outputs: { value: 2 } });
  });

  it('keeps a key whose first 64 bits another key shares apart from it: the later one replaces it, never answers for it', () => {
    store = openStore(dir);
    const first = `${'a'.repeat(CACHE_KEY_HEX_DIGITS)}-first`;
    const second = `${'a'.repeat(CACHE_KEY_HEX_DIGITS)}-second`;
    store.cache.set(first, 't', { outputs: { value: 1 } });
    store.cache.flush();
    store.cache.set(second, 't', { outputs: { value: 2 } });
    store.cache.flush();
    expect(rows()).toBe(1);
    store.close();
    store = openStore(dir);
    expect(store.cache.get(first)).toBeUndefined();
    expect(store.cache.get(second)).toEqual({ outputs: { value: 2 } });
  });

  it('looks keys up through the 64-bit index, not by reading the table', () => {
    store = openStore(dir);
    const plan = store.db.prepare(`EXPLAIN QUERY PLAN SELECT outputs_json FROM cache WHERE ${CACHE_KEY_INDEXED} = ${cacheKeyIndexed('@key')} AND key = @key`).all({ key: 'k' }) as Array<{ detail: string }>;
    expect(plan.map((row) => row.detail).join(' ')).toMatch(/USING INDEX cache_key_bits/);
  });

  it('moves a cache indexed on its keys\' first 20 characters (until 2026-12) to the 64-bit index, rows intact', () => {
    const file = join(dir, 'atelier.db');
    const old = new Database(file);
    old.exec(`CREATE TABLE cache (id INTEGER PRIMARY KEY, key TEXT NOT NULL, node_type TEXT NOT NULL, outputs_json TEXT NOT NULL, meta_json TEXT, created_at TEXT NOT NULL);
      CREATE UNIQUE INDEX cache_key_prefix ON cache(substr(key, 1, 20))`);
    const insert = old.prepare("INSERT INTO cache (key, node_type, outputs_json, created_at) VALUES (?, 't', ?, 'x')");
    const keys = Array.from({ length: 50 }, () => randomBytes(32).toString('hex'));
    keys.forEach((key, i) => insert.run(key, JSON.stringify({ value: i })));
    insert.run('not-hex', JSON.stringify({ value: 'text key' }));
    old.close();
    store = openStore(dir);
    expect(store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'cache'").pluck().all()).toEqual(['cache_key_bits']);
    keys.forEach((key, i) => expect(store.cache.get(key)).toEqual({ outputs: { value: i } }));
    expect(store.cache.get('not-hex')).toEqual({ outputs: { value: 'text key' } });
    store.cache.set(keys[0], 't', { outputs: { value: 'newer' } });
    store.cache.flush();
    expect(rows()).toBe(51);
    store.close();
    store = openStore(dir);
    expect(store.cache.get(keys[0])).toEqual({ outputs: { value: 'newer' } });
  });

  it('moves a cache indexed on whole keys to the 64-bit index, rows intact', () => {
    const file = join(dir, 'atelier.db');
    const old = new Database(file);
    old.exec(`CREATE TABLE cache (id INTEGER PRIMARY KEY, key TEXT NOT NULL, node_type TEXT NOT NULL, outputs_json TEXT NOT NULL, meta_json TEXT, created_at TEXT NOT NULL);
      CREATE UNIQUE INDEX cache_key ON cache(key)`);
    const insert = old.prepare("INSERT INTO cache (key, node_type, outputs_json, created_at) VALUES (?, 't', ?, 'x')");
    const keys = Array.from({ length: 50 }, () => randomBytes(32).toString('hex'));
    keys.forEach((key, i) => insert.run(key, JSON.stringify({ value: i })));
    old.close();
    store = openStore(dir);
    const indexes = store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'cache'").pluck().all();
    expect(indexes).toEqual(['cache_key_bits']);
    keys.forEach((key, i) => expect(store.cache.get(key)).toEqual({ outputs: { value: i } }));
    store.cache.set(keys[0], 't', { outputs: { value: 'newer' } });
    store.cache.flush();
    expect(rows()).toBe(50);
  });

  it('works again after an older Atelier re-created its whole-key index on the file', () => {
    store = openStore(dir);
    store.cache.set('before', 't', { outputs: { value: 1 } });
    store.close();
    // What an older version does on open (its migration finds no whole-key index) and when it writes.
    const older = new Database(join(dir, 'atelier.db'));
    older.exec('CREATE UNIQUE INDEX cache_key ON cache(key)');
    older.prepare("INSERT INTO cache (key, node_type, outputs_json, created_at) VALUES ('older', 't', '{\"value\":2}', 'x') ON CONFLICT(key) DO UPDATE SET outputs_json = excluded.outputs_json").run();
    older.close();
    store = openStore(dir);
    expect(store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'cache'").pluck().all()).toEqual(['cache_key_bits']);
    expect(store.cache.get('before')).toEqual({ outputs: { value: 1 } });
    expect(store.cache.get('older')).toEqual({ outputs: { value: 2 } });
  });
});
