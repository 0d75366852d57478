import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_LIVE_NODES, DEFAULT_MAX_LIVE_RUNS, LiveBudget, TooManyRuns } from './live-budget';

function refusal(act: () => void): TooManyRuns {
  try {
    act();
  } catch (error) {
    if (error instanceof TooManyRuns) return error;
    throw error;
  }
  throw new Error('expected TooManyRuns');
}

describe('LiveBudget', () => {
  it('counts runs and nodes until one limit is reached, and takes them back on release (once)', () => {
    const budget = new LiveBudget(2, 10);
    const first = budget.take(4);
    budget.take(4);
    const full = refusal(() => budget.take(1));
    expect(full.retryable).toBe(true);
    expect(full.message).toContain('ATELIER_MAX_LIVE_RUNS');
    expect(full.details).toEqual({ liveRuns: 2, maxLiveRuns: 2, liveNodes: 8, maxLiveNodes: 10 });
    first();
    first();
    expect([budget.liveRuns, budget.liveNodes]).toEqual([1, 4]);
    const nodes = refusal(() => budget.take(7));
    expect(nodes.retryable).toBe(true);
    expect(nodes.message).toContain('ATELIER_MAX_LIVE_NODES');
    budget.take(6);
    expect([budget.liveRuns, budget.liveNodes]).toEqual([2, 10]);
  });

  it('refuses for good what would not fit on an empty server, naming what to make smaller', () => {
    const budget = new LiveBudget(3, 10);
    expect(refusal(() => budget.check(4, 4))).toMatchObject({ retryable: false, details: { field: 'sweep' } });
    expect(refusal(() => budget.check(1, 11))).toMatchObject({ retryable: false, details: { field: 'flow.nodes' } });
    expect(refusal(() => budget.check(2, 11))).toMatchObject({ retryable: false, details: { field: 'sweep' } });
    budget.check(3, 10);
  });

  it('counts an adopted run without refusing it', () => {
    const budget = new LiveBudget(1, 10);
    budget.take(5);
    budget.take(50, { check: false });
    expect([budget.liveRuns, budget.liveNodes]).toEqual([2, 55]);
  });

  it('reads its limits from the environment and refuses a bad value by name', () => {
    expect(LiveBudget.fromEnv({})).toMatchObject({ maxRuns: DEFAULT_MAX_LIVE_RUNS, maxNodes: DEFAULT_MAX_LIVE_NODES });
    expect(LiveBudget.fromEnv({ ATELIER_MAX_LIVE_RUNS: '5', ATELIER_MAX_LIVE_NODES: '70' })).toMatchObject({ maxRuns: 5, maxNodes: 70 });
    expect(() => LiveBudget.fromEnv({ ATELIER_MAX_LIVE_RUNS: '0' })).toThrow('ATELIER_MAX_LIVE_RUNS must be a positive integer, got "0"');
    expect(() => LiveBudget.fromEnv({ ATELIER_MAX_LIVE_NODES: 'lots' })).toThrow('ATELIER_MAX_LIVE_NODES must be a positive integer, got "lots"');
  });
});
