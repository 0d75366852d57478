import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { BufferPool, LONG_TEXT_BYTES, SharedValues, Utf8Text } from './shared-values';
import { fieldRows } from '../../test/helpers/shared-fields';
import { castingText, directWrites, EncodedWrites, StatementNames, StatementRunner } from './sql-writes';

describe('castingText', () => {
  it('casts the parameters in the mask, counted by position, and leaves quoted question marks alone', () => {
    const sql = "INSERT INTO t (a, b, c) VALUES (?, '?', ?) ON CONFLICT DO UPDATE SET c = ? WHERE a <> \"?\"";
    expect(castingText(sql, 0b010)).toBe("INSERT INTO t (a, b, c) VALUES (?, '?', CAST(? AS TEXT)) ON CONFLICT DO UPDATE SET c = ? WHERE a <> \"?\"");
    expect(castingText(sql, 0b101)).toBe("INSERT INTO t (a, b, c) VALUES (CAST(? AS TEXT), '?', ?) ON CONFLICT DO UPDATE SET c = CAST(? AS TEXT) WHERE a <> \"?\"");
    const many = `SELECT ${Array.from({ length: 34 }, () => '?').join(', ')}`;
    expect(castingText(many, 1).match(/CAST/g)).toHaveLength(1); // the 33rd is not the first again
  });

  it('refuses numbered parameters and a mask past the last parameter', () => {
    expect(() => castingText('SELECT ?1, ?2', 1)).toThrow(/numbered parameters/);
    expect(() => castingText('SELECT ?', 0b10)).toThrow(/1 parameters, fewer than its long text needs/);
  });
});

describe('encoded writes', () => {
  /** Encodes the writes as a source does, then commits them on the main connection. */
  function commit(db: Database.Database, write: (out: EncodedWrites) => void): StatementNames {
    const names = new StatementNames();
    const out = new EncodedWrites(names, new SharedValues(new BufferPool().take()));
    write(out);
    new StatementRunner(db, names).commit(out.values, 0, out.values.length);
    return names;
  }

  it('stores long text given as a string or as UTF-8 bytes as text, byte for byte, and bytes as a BLOB', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (id INTEGER, a TEXT, b TEXT, c BLOB)');
    const long = `{"name":"flow — 節点 🌍 ünïcödé ${'x'.repeat(LONG_TEXT_BYTES)}"}`;
    const justShort = 'y'.repeat(LONG_TEXT_BYTES - 1);
    const bytes = Buffer.from('z'.repeat(LONG_TEXT_BYTES * 2));
    const names = commit(db, (out) => {
      out.run('INSERT INTO t VALUES (?, ?, ?, ?)', 1, long, Utf8Text.of(long), bytes);
      out.run('INSERT INTO t VALUES (?, ?, ?, ?)', 2, justShort, Utf8Text.of(justShort), null);
      out.run('INSERT INTO t VALUES (?, ?, ?, ?)', 3, long, 'short', bytes);
    });
    const rows = db.prepare('SELECT id, a, typeof(a) ta, b, typeof(b) tb, typeof(c) tc FROM t ORDER BY id').all();
    expect(rows).toEqual([
      { id: 1, a: long, ta: 'text', b: long, tb: 'text', tc: 'blob' },
      { id: 2, a: justShort, ta: 'text', b: justShort, tb: 'text', tc: 'null' },
      { id: 3, a: long, ta: 'text', b: 'short', tb: 'text', tc: 'blob' },
    ]);
    expect(db.prepare('SELECT c FROM t WHERE id = 1').pluck().get()).toEqual(bytes);
    // One statement text, in three variants: by which of its parameters were long text.
    expect(names.texts).toEqual(['INSERT INTO t VALUES (?, CAST(? AS TEXT), CAST(? AS TEXT), ?)', 'INSERT INTO t VALUES (?, ?, ?, ?)', 'INSERT INTO t VALUES (?, CAST(? AS TEXT), ?, ?)']);
  });

  it('writes long text past the 31st parameter as ordinary text', () => {
    const db = new Database(':memory:');
    const columns = Array.from({ length: 33 }, (_, i) => `c${i} TEXT`);
    db.exec(`CREATE TABLE t (${columns.join(', ')})`);
    const long = 'w'.repeat(LONG_TEXT_BYTES);
    commit(db, (out) => out.run(`INSERT INTO t VALUES (${columns.map(() => '?').join(', ')})`, ...columns.map(() => long)));
    const types = db.prepare(`SELECT ${columns.map((_, i) => `typeof(c${i})`).join(', ')} FROM t`).raw().get() as string[];
    expect(new Set(types)).toEqual(new Set(['text']));
  });

  it('runs a statement once per row of shared fields, past one record of rows, on the main connection and directly', () => {
    const fieldsOf = (i: number) => [`key ${i} ✓`, i % 3 === 0 ? null : `{"n":${i},"text":"${'é'.repeat(i % 300)}"}`];
    const rows = fieldRows(600, fieldsOf);
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (k TEXT, v TEXT, at TEXT, via TEXT)');
    const names = commit(db, (out) => out.runRows('INSERT INTO t VALUES (?, ?, ?, ?)', rows, 'now', 'encoded'));
    directWrites(db).runRows('INSERT INTO t VALUES (?, ?, ?, ?)', rows, 'now', 'direct');
    for (const via of ['encoded', 'direct']) {
      const stored = db.prepare('SELECT k, v, at, typeof(k) AS type FROM t WHERE via = ? ORDER BY rowid').all(via);
      expect(stored).toEqual(Array.from({ length: 600 }, (_, i) => ({ k: fieldsOf(i)[0], v: fieldsOf(i)[1], at: 'now', type: 'text' })));
    }
    expect(names.texts).toEqual(['INSERT INTO t VALUES (CAST(? AS TEXT), CAST(? AS TEXT), ?, ?)']);
    const out = new EncodedWrites(new StatementNames(), new SharedValues(new BufferPool().take()));
    expect(() => out.runRows('INSERT', rows, ...Array.from({ length: 30 }, () => 0))).toThrow(/rows of 2 fields and 30 more parameters pass the 31/);
    expect(out.values.length).toBe(0);
  });
});
