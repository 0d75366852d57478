import { describe, expect, it } from 'vitest';
import { DEFLATE_FROM, fromStored, parseStored, toStored } from './stored-json';

describe('stored JSON', () => {
  it('keeps small JSON as text and deflates large JSON, both reading back as written', () => {
    const small = JSON.stringify({ id: 'r1', nodes: {} });
    expect(toStored(small)).toBe(small);
    const large = JSON.stringify({ events: Array.from({ length: 500 }, (_, seq) => ({ type: 'node.finished', seq, nodeId: `n${seq}` })) });
    expect(large.length).toBeGreaterThan(DEFLATE_FROM);
    const stored = toStored(large);
    expect(Buffer.isBuffer(stored)).toBe(true);
    expect(stored.length).toBeLessThan(large.length / 4);
    expect(fromStored(stored)).toBe(large);
    expect(parseStored(stored)).toEqual(JSON.parse(large));
  });

  it('reads back text outside ASCII after deflating', () => {
    const json = JSON.stringify({ prompt: 'café au lait, 猫, 🐈 '.repeat(DEFLATE_FROM / 10) });
    expect(fromStored(toStored(json))).toBe(json);
  });

  it('stores each value alone, though a longer one was stored just before', () => {
    const longer = JSON.stringify({ text: 'x'.repeat(DEFLATE_FROM * 4) });
    const shorter = JSON.stringify({ text: 'y'.repeat(DEFLATE_FROM) });
    const first = toStored(longer);
    const second = toStored(shorter);
    expect(fromStored(second)).toBe(shorter);
    expect(fromStored(first)).toBe(longer);
  });

  it('fails to read a damaged value instead of returning other text', () => {
    expect(() => fromStored(Buffer.from([0xff, 0xff, 0xff, 0x00]))).toThrow();
  });
});
