import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keyPrefixOrder } from './key-order';

const entry = (key: string, n: number) => ({ key, n });

function inKeyPrefixOrder<T extends { key: string }>(entries: T[]): T[] {
  return Array.from(keyPrefixOrder(entries.length, (i, position) => entries[i].key.charCodeAt(position)), (i) => entries[i]);
}

describe('keyPrefixOrder', () => {
  it('orders entries by their keys\' first two hex digits, as the key index sorts them', () => {
    const entries = Array.from({ length: 2000 }, (_, n) => entry(randomBytes(32).toString('hex'), n));
    const ordered = inKeyPrefixOrder(entries);
    expect(ordered).toHaveLength(entries.length);
    expect(new Set(ordered)).toEqual(new Set(entries));
    const prefixes = ordered.map((e) => parseInt(e.key.slice(0, 2), 16));
    expect(prefixes).toEqual([...prefixes].sort((a, b) => a - b));
  });

  it('keeps the order of entries sharing a prefix, so a later write of a key still comes later', () => {
    const ordered = inKeyPrefixOrder([entry('ff01', 0), entry('ab00', 1), entry('FF01', 2), entry('ab00', 3), entry('0a', 4), entry('ab99', 5)]);
    expect(ordered.map((e) => e.n)).toEqual([4, 1, 3, 5, 0, 2]);
  });

  it('places keys that are not hex too (a digit that is not hex counts as 0), and empty and one-character keys', () => {
    const ordered = inKeyPrefixOrder([entry('10', 0), entry('k1', 1), entry('', 2), entry('zz', 3), entry('1', 4)]);
    expect(ordered.map((e) => e.key)).toEqual(['', 'zz', 'k1', '10', '1']);
  });
});
