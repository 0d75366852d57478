import { describe, expect, it } from 'vitest';
import { expandSweep, MAX_BATCH_RUNS } from './expand';

describe('expandSweep', () => {
  it('product varies the last axis fastest', () => {
    const { combos } = expandSweep({ seed: [1, 2], prompt: ['a', 'b', 'c'] });
    expect(combos).toEqual([
      { seed: 1, prompt: 'a' }, { seed: 1, prompt: 'b' }, { seed: 1, prompt: 'c' },
      { seed: 2, prompt: 'a' }, { seed: 2, prompt: 'b' }, { seed: 2, prompt: 'c' },
    ]);
  });

  it('zip pairs by position and names an axis of another length', () => {
    expect(expandSweep({ a: [1, 2], b: ['x', 'y'] }, 'zip').combos).toEqual([{ a: 1, b: 'x' }, { a: 2, b: 'y' }]);
    expect(() => expandSweep({ a: [1, 2], b: ['x'] }, 'zip')).toThrow(/sweep\.b has 1 values/);
  });

  it('refuses empty axes and too many runs', () => {
    expect(() => expandSweep({})).toThrow(/at least one input/);
    expect(() => expandSweep({ a: [] })).toThrow(/sweep\.a/);
    const many = Array.from({ length: 20 }, (_, i) => i);
    expect(() => expandSweep({ a: many, b: many })).toThrow(`at most ${MAX_BATCH_RUNS}`);
  });
});
