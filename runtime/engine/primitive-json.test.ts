import { describe, expect, it } from 'vitest';
import { primitiveJson } from './primitive-json';

describe('primitiveJson', () => {
  it('writes what JSON.stringify writes for every kind of primitive', () => {
    const values: unknown[] = [
      '', 'bench.inc', 'a"b', 'back\\slash', 'tab\there', 'nl\n', '\u0000', '\u001f', '\u007f', 'é', '日本', '\u2028\u2029',
      '😀', '\ud83d', 'x\ude00y', 'x'.repeat(256), `${'y'.repeat(300)}"`,
      0, -0, 1, -1.5, 0.1, 1e21, 1e-7, 123456789012345680000, Number.MAX_SAFE_INTEGER, Number.MIN_VALUE, NaN, Infinity, -Infinity,
      true, false, null, undefined, () => 1, Symbol('s'),
    ];
    for (const value of values) expect(primitiveJson(value)).toBe(JSON.stringify(value));
  });

  it('agrees with JSON.stringify on random strings over the characters that need escaping', () => {
    const alphabet = ['a', 'Z', '0', ' ', '"', '\\', '\n', '\u0001', '\u001f', '\u00e9', '\u2028', '\ud800', '\udc00', '\uffff'];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
    for (let i = 0; i < 2000; i++) {
      let text = '';
      for (let n = next() % 12; n > 0; n--) text += alphabet[next() % alphabet.length];
      expect(primitiveJson(text)).toBe(JSON.stringify(text));
    }
  });

  it('throws as JSON.stringify does for a bigint', () => {
    expect(() => primitiveJson(1n)).toThrow(TypeError);
  });
});
