import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareNames } from './compare-names';

const sign = (n: number) => Math.sign(n);
const plainName = fc.string({ unit: fc.constantFrom(...'aAbBzZyY09 5-'.split('')), maxLength: 8 });
const anyName = fc.string({ unit: fc.constantFrom(...'aAzZ09 -_.éÉ#ßẞ'.split('')), maxLength: 6 });

describe('compareNames', () => {
  it('orders plain names (ASCII letters, digits, spaces, hyphens) exactly as localeCompare does', () => {
    fc.assert(fc.property(plainName, plainName, (a, b) => sign(compareNames(a, b)) === sign(a.localeCompare(b))), { numRuns: 20_000 });
  });

  it('orders any other name as localeCompare does', () => {
    fc.assert(fc.property(anyName, anyName, (a, b) => sign(compareNames(a, b)) === sign(a.localeCompare(b))), { numRuns: 5_000 });
  });

  it('sorts the way people read: case-blind first, lower case first between equals, shorter first', () => {
    const names = ['Segment to 3D', 'hat to 3D', 'Hat to 3D', 'Hat', 'compare providers', 'Compare-providers', '3D', ' lead'];
    expect([...names].sort(compareNames)).toEqual([...names].sort((a, b) => a.localeCompare(b)));
    expect([...names].sort(compareNames)).toEqual([' lead', '3D', 'compare providers', 'Compare-providers', 'Hat', 'hat to 3D', 'Hat to 3D', 'Segment to 3D']);
  });
});
