import { describe, expect, it } from 'vitest';
import { newRunId, runIdMaker } from './run-id';

describe('run ids', () => {
  it('look like <date>-<time>-<8 hex> and are taken from the current second', () => {
    expect(newRunId()).toMatch(/^\d{8}-\d{6}-[0-9a-f]{8}$/);
    const make = runIdMaker(() => 0x0a1b2c3d, () => '2026-12-01T03:18:23.146Z');
    expect(make()).toBe('20261201-031823-0a1b2c3d');
  });

  it('count up from a random start within a second, and start afresh in the next', () => {
    let now = '2026-12-01T03:18:23.146Z';
    const starts = [0xfe, 0x10];
    const make = runIdMaker(() => starts.shift()!, () => now);
    expect([make(), make(), make()]).toEqual(['20261201-031823-000000fe', '20261201-031823-000000ff', '20261201-031823-00000100']);
    now = '2026-12-01T03:18:24.001Z';
    expect(make()).toBe('20261201-031824-00000010');
  });

  it('never repeat when the clock steps back: the last second goes on counting', () => {
    let now = '2026-12-01T03:18:24.500Z';
    const make = runIdMaker(() => 5, () => now);
    expect(make()).toBe('20261201-031824-00000005');
    now = '2026-12-01T03:18:23.900Z';
    expect([make(), make()]).toEqual(['20261201-031824-00000006', '20261201-031824-00000007']);
  });

  it('are unique and in order over many ids made in one burst', () => {
    const ids = Array.from({ length: 50_000 }, () => newRunId());
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id, i) => i === 0 || id > ids[i - 1])).toBe(true);
  });

  it('start each second at a different place', () => {
    const seconds = Array.from({ length: 20 }, (_, i) => `2026-12-01T03:18:${String(i).padStart(2, '0')}.000Z`);
    let at = 0;
    const make = runIdMaker(undefined, () => seconds[at++]);
    const numbers = seconds.map(() => parseInt(make().slice(-8), 16));
    expect(new Set(numbers).size).toBeGreaterThan(15);
    expect(numbers.every((n) => n < 2 ** 31)).toBe(true);
  });
});
