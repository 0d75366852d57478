import { describe, expect, it } from 'vitest';
import { newRunId, runIdMaker } from './run-id';

describe('run ids', () => {
  it('look like <date>-<time>-<8 hex> and are taken from the current second', () => {
    expect(newRunId()).toMatch(/^\d{8}-\d{6}-[0-9a-f]{8}$/);
    const make = runIdMaker(() => '0a1b2c3d', () => '2026-12-01T03:18:23.146Z');
    expect(make()).toBe('20261201-031823-0a1b2c3d');
  });

  it('never repeat within a process, even when the random bits do', () => {
    const draws = ['aaaaaaaa', 'aaaaaaaa', 'aaaaaaaa', 'bbbbbbbb', 'aaaaaaaa', 'cccccccc'];
    const make = runIdMaker(() => draws.shift()!, () => '2026-12-01T03:18:23.146Z');
    expect([make(), make(), make()]).toEqual(['20261201-031823-aaaaaaaa', '20261201-031823-bbbbbbbb', '20261201-031823-cccccccc']);
  });

  it('forget the ids of a second once the next one starts', () => {
    let now = '2026-12-01T03:18:23.146Z';
    const make = runIdMaker(() => 'aaaaaaaa', () => now);
    expect(make()).toBe('20261201-031823-aaaaaaaa');
    now = '2026-12-01T03:18:24.001Z';
    expect(make()).toBe('20261201-031824-aaaaaaaa');
  });

  it('stay unique over many ids made in one burst', () => {
    const ids = Array.from({ length: 50_000 }, () => newRunId());
    expect(new Set(ids).size).toBe(ids.length);
  });
});
