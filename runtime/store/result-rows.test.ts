import { describe, expect, it } from 'vitest';
import { ResultRows, ROW_FIELDS } from './result-rows';
import { FieldRows, fieldTexts } from './shared-values';
import { ShardedMap } from './sharded-map';

describe('ResultRows', () => {
  it('gives back each row as it was added, text of any kind and size, meta or none', () => {
    const rows = new ResultRows();
    const cases = [
      { key: 'a'.repeat(64), type: 'image.resize', outputs: { n: 1 }, meta: undefined },
      { key: 'ключ-✓-😀', type: 'tÿpe', outputs: { text: 'été' }, meta: { backend: 'local' } },
      { key: '', type: '', outputs: {}, meta: {} },
      { key: 'big', type: 't', outputs: { text: 'é'.repeat(400_000) }, meta: undefined }, // past one chunk
      { key: 'after-big', type: 't', outputs: { n: 2 }, meta: undefined },
    ];
    const locations = cases.map((c) => rows.add(c.key, c.type, JSON.stringify(c.outputs), c.meta && JSON.stringify(c.meta), true));
    cases.forEach((c, i) => {
      const location = locations[i];
      expect(location).toBeLessThan(2 ** 30);
      expect(rows.keyIs(location, c.key)).toBe(true);
      expect(rows.keyIs(location, `${c.key}x`)).toBe(false);
      expect(rows.result(location)).toEqual(c.meta ? { outputs: c.outputs, meta: c.meta } : { outputs: c.outputs });
      const fields = new FieldRows(ROW_FIELDS, 1);
      rows.addFieldsTo(fields, location);
      expect(fieldTexts(fields.buffers[0], fields.starts[0], ROW_FIELDS)).toEqual([c.key, c.type, JSON.stringify(c.outputs), c.meta ? JSON.stringify(c.meta) : null]);
    });
    expect(rows.keyIs(locations[0], 'b'.repeat(64))).toBe(false);
    expect(rows.keyByte(locations[0], 1)).toBe('a'.charCodeAt(0));
    expect(rows.keyByte(locations[2], 0)).toBe(0);
  });

  it('hands the chunks of released rows to the next rows, which read back as they were added; released rows take no more', () => {
    const row = (i: number) => ({ key: `key-${i}`, outputs: JSON.stringify({ text: `${i}:`.padEnd(30_000 + i, 'é') }) });
    const released = new ResultRows();
    for (let i = 0; i < 40; i++) released.add(row(i).key, 't', row(i).outputs, undefined, false); // past the first, smaller chunks
    released.release();
    expect(() => released.add('k', 't', '{}', undefined, true)).toThrow(/released/);
    const next = new ResultRows();
    const locations = Array.from({ length: 40 }, (_, i) => next.add(row(i + 100).key, 't', row(i + 100).outputs, '{"m":1}', true));
    locations.forEach((location, i) => {
      expect(next.keyIs(location, row(i + 100).key)).toBe(true);
      expect(next.result(location)).toEqual({ outputs: JSON.parse(row(i + 100).outputs), meta: { m: 1 } });
      expect(next.isUnwritten(location)).toBe(true);
    });
  });

  it('marks rows written one by one, and a copy of a row is written', () => {
    const rows = new ResultRows();
    const first = rows.add('k1', 't', '{}', undefined, true);
    const second = rows.add('k2', 't', '{}', undefined, false);
    expect([rows.isUnwritten(first), rows.isUnwritten(second)]).toEqual([true, false]);
    expect(rows.markWritten(first)).toBe(true);
    expect(rows.markWritten(first)).toBe(false);
    const other = new ResultRows();
    const unwritten = other.add('k3', 't', '{"v":3}', '{"m":1}', true);
    const copy = rows.addCopy(other, unwritten);
    expect(rows.isUnwritten(copy)).toBe(false);
    expect(other.isUnwritten(unwritten)).toBe(true);
    expect(rows.keyIs(copy, 'k3')).toBe(true);
    expect(rows.result(copy)).toEqual({ outputs: { v: 3 }, meta: { m: 1 } });
    expect(rows.count).toBe(3);
  });
});

describe('ShardedMap', () => {
  it('counts, finds, replaces and deletes across its shards', () => {
    const map = new ShardedMap(20_000);
    for (let i = 0; i < 20_000; i++) map.set(i * 7919, i);
    map.set(7919, -1); // replaced, not added
    expect(map.size).toBe(20_000);
    expect(map.get(7919)).toBe(-1);
    expect(map.get(5)).toBeUndefined();
    expect(map.delete(0)).toBe(true);
    expect(map.delete(0)).toBe(false);
    expect(map.size).toBe(19_999);
    expect([...map.entries()]).toHaveLength(19_999);
  });
});
