import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KeyFilter, MIN_FILTER_BITS } from './key-filter';

describe('cache key filter', () => {
  it('never says no to a key it was given, and says no to most others', () => {
    const filter = new KeyFilter(MIN_FILTER_BITS);
    const keys = Array.from({ length: 50_000 }, (_, i) => `key-${i}`);
    for (const key of keys) filter.add(key);
    expect(keys.every((key) => filter.mightHave(key))).toBe(true);
    let falsePositives = 0;
    for (let i = 0; i < 50_000; i++) if (filter.mightHave(`other-${i}`)) falsePositives++;
    expect(falsePositives / 50_000).toBeLessThan(0.05);
  });

  it('hashes SHA-256 keys by their own digits as well as other keys: no false no, few false yeses', () => {
    const filter = new KeyFilter(MIN_FILTER_BITS);
    const keys = Array.from({ length: 50_000 }, (_, i) => createHash('sha256').update(`key-${i}`).digest('hex'));
    for (const key of keys) filter.add(key);
    expect(keys.every((key) => filter.mightHave(key))).toBe(true);
    let falsePositives = 0;
    for (let i = 0; i < 50_000; i++) if (filter.mightHave(createHash('sha256').update(`other-${i}`).digest('hex'))) falsePositives++;
    expect(falsePositives / 50_000).toBeLessThan(0.002); // ~0.01% expected at this fill: index probes are slow
    const almostHex = `g${keys[0].slice(1)}`; // 64 characters, not hex: hashed the other way
    filter.add(almostHex);
    expect(filter.mightHave(almostHex)).toBe(true);
  });

  it('sizes its first layer for the keys stored now', () => {
    expect(KeyFilter.bitsFor(0)).toBe(MIN_FILTER_BITS);
    expect(KeyFilter.bitsFor(1_000_000)).toBeGreaterThanOrEqual(12_000_000);
  });

  it('grows by layers as keys come, keeping every key and a low false-positive rate', () => {
    const filter = new KeyFilter(MIN_FILTER_BITS);
    const keys = Array.from({ length: 1_000_000 }, (_, i) => `key-${i}`); // ~1.2 times what the first layer holds
    for (const key of keys) filter.add(key);
    expect(filter.layerCount).toBe(2);
    expect(filter.count).toBe(keys.length);
    expect(keys.every((key) => filter.mightHave(key))).toBe(true);
    let falsePositives = 0;
    for (let i = 0; i < 100_000; i++) if (filter.mightHave(`other-${i}`)) falsePositives++;
    expect(falsePositives / 100_000).toBeLessThan(0.05);
  });
});
