import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { cacheKey, MAX_KEY_DEPTH, stableJson } from './cache-key';

describe('stableJson', () => {
  it('sorts keys, drops undefined properties and writes undefined array items as null', () => {
    expect(stableJson({ b: 1, a: [1, undefined, { d: undefined, c: 'x"y' }] })).toBe('{"a":[1,null,{"c":"x\\"y"}],"b":1}');
    expect(stableJson({ b: 1, a: 2 })).toBe(stableJson({ a: 2, b: 1 }));
  });

  it('keeps only the hash of an artifact handle (its URL differs by host)', () => {
    const a = { artifact: 'abc', url: 'http://one/api/artifacts/abc', mediaType: 'image/png', width: 2 };
    const b = { artifact: 'abc', url: '/api/artifacts/abc', mediaType: 'image/png', width: 2 };
    expect(stableJson({ image: a })).toBe(stableJson({ image: b }));
    expect(stableJson(a)).toBe('{"artifact":"abc"}');
  });

  it('writes what JSON.stringify writes for plain JSON values', () => {
    const value = { list: [1, 2.5, 'three', true, null, { nested: [[], {}] }], text: 'é\n\u2028' };
    expect(JSON.parse(stableJson(value))).toEqual(value);
  });

  it('serialises values nested 5,000 deep without overflowing the stack, and refuses cyclic ones with a clear error', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 5000; i++) deep = { next: deep };
    expect(stableJson(deep).length).toBeGreaterThan(5000 * 9);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => stableJson(cyclic)).toThrow(`value nested deeper than ${MAX_KEY_DEPTH} levels`);
  });
});

describe('cacheKey', () => {
  it('changes with type, version, params, inputs and the node-declared part; without one it is the old key', () => {
    const base = cacheKey('t', 1, { a: 1 }, { x: 2 });
    expect(cacheKey('t', 1, { a: 1 }, { x: 2 })).toBe(base);
    expect(new Set([base, cacheKey('u', 1, { a: 1 }, { x: 2 }), cacheKey('t', 2, { a: 1 }, { x: 2 }), cacheKey('t', 1, { a: 2 }, { x: 2 }), cacheKey('t', 1, { a: 1 }, { x: 3 }), cacheKey('t', 1, { a: 1 }, { x: 2 }, 'local:1'), cacheKey('t', 1, { a: 1 }, { x: 2 }, 'remote:sam2@abc')]).size).toBe(7);
    // the key before node-declared parts existed: sha256 of [type, version, params, inputs]
    expect(base).toBe('ffed995a4a9d10b710b6e4de4feb07c9b8ceac00c81e215b9e3cb328731b122b');
  });

  it('is the sha256 of stableJson([type, version, params, inputs]) also for nested params and inputs', () => {
    const params = { z: [1, { b: 2, a: undefined }], a: null, s: 'x"' };
    const inputs = { img: { artifact: 'h', url: 'u', mediaType: 'm' }, n: undefined, deep: { q: { r: 1 } } };
    const sha = (text: string) => createHash('sha256').update(text).digest('hex');
    expect(cacheKey('t', 2, params, inputs)).toBe(sha(stableJson(['t', 2, params, inputs])));
    expect(cacheKey('t', 2, params, inputs, 'local:1')).toBe(sha(stableJson(['t', 2, params, inputs, 'local:1'])));
  });

  it('is the sha256 of that text for any JSON-ish params and inputs: escapes, non-ASCII, surrogates, long strings, odd numbers, artifacts', () => {
    const sha = (text: string) => createHash('sha256').update(text).digest('hex');
    const strings = ['', 'plain', 'x"y', 'back\\slash', 'tab\there', 'é', '日本語', '😀', '\ud800 lone', 'a'.repeat(300), 'b'.repeat(100) + 'é', '\u2028', '\u007f'];
    const numbers = [0, -0, 1.5, -3, 1e21, 1e-7, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53];
    let seed = 7;
    const next = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    const value = (depth: number): unknown => {
      switch (next(depth > 2 ? 5 : 8)) {
        case 0: return strings[next(strings.length)];
        case 1: return numbers[next(numbers.length)];
        case 2: return next(2) === 0;
        case 3: return null;
        case 4: return undefined;
        case 5: return { artifact: strings[next(3)], url: 'u', mediaType: 'image/png' };
        case 6: return Array.from({ length: next(4) }, () => value(depth + 1));
        default: return record(depth + 1);
      }
    };
    const record = (depth: number): Record<string, unknown> => Object.fromEntries(Array.from({ length: next(5) }, () => [strings[next(strings.length)] + next(3), value(depth)]));
    for (let i = 0; i < 500; i++) {
      const type = strings[next(strings.length)];
      const params = next(10) === 0 ? value(0) : record(0);
      const inputs = record(0);
      const extra = next(2) === 0 ? strings[next(strings.length)] : undefined;
      const text = stableJson(extra === undefined ? [type, i, params, inputs] : [type, i, params, inputs, extra]);
      expect(cacheKey(type, i, params, inputs, extra)).toBe(sha(text));
    }
  });
});
