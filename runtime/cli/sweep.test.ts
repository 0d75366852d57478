import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSweeps } from './sweep';

describe('--sweep values', () => {
  it('reads ranges, stepped ranges, JSON arrays, comma lists and files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sweep-'));
    try {
      writeFileSync(join(dir, 'p.txt'), 'a fox, running\n\n  a cat \n');
      expect(parseSweeps(['seed=1..4', 'w=0..1:0.25', 'j=[1,"x"]', 'c=a, b', `p=@${join(dir, 'p.txt')}`, 'down=3..1'])).toEqual({
        seed: [1, 2, 3, 4],
        w: [0, 0.25, 0.5, 0.75, 1],
        j: [1, 'x'],
        c: ['a', 'b'],
        p: ['a fox, running', 'a cat'],
        down: [3, 2, 1],
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the bad spec', () => {
    expect(() => parseSweeps(['seed'])).toThrow('--sweep expects name=values');
    expect(() => parseSweeps(['seed=1..100000'])).toThrow(/at most 256/);
    expect(() => parseSweeps(['p=@/nonexistent/file'])).toThrow('no such file');
    expect(() => parseSweeps(['a=1,2', 'a=3'])).toThrow('given twice');
  });
});
