// The editor's fold of a run with subflows and costs (editor/src/store/run-state.ts calling
// flows-features/subflow-status.ts and cost-format.ts): pure, so tested on Node.
import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../model/events';
import { applyRunEvent, emptyRun, runFromRecord, type RunView } from '../../editor/src/store/run-state';
import { formatUsd, nodeCostLabel, totalCostLabel } from '../../editor/src/flows-features/cost-format';
import { innerProgress } from '../../editor/src/flows-features/subflow-status';

let seq = 0;
const ev = (body: Record<string, unknown>) => ({ runId: 'r1', seq: ++seq, ts: '2026-01-01T00:00:00Z', ...body }) as RunEvent;
const fold = (run: RunView, ...bodies: Array<Record<string, unknown>>) => bodies.reduce((r, b) => applyRunEvent(r, ev(b)), run);

describe('a subflow node follows its inner nodes', () => {
  it('queued → running → failed, from events with path ids (nested levels too)', () => {
    seq = 0;
    let run = fold(emptyRun('r1'), { type: 'run.queued', nodes: ['load', 'sub1/resize', 'sub1/mask', 'd/a/x'] }, { type: 'run.started' });
    expect(run.nodes.sub1).toMatchObject({ status: 'queued', subflow: true });
    expect(run.nodes['d/a'].status).toBe('queued');
    expect(run.nodes.d.status).toBe('queued');
    expect(run.nodes.load.subflow).toBeUndefined();

    run = fold(run, { type: 'node.started', nodeId: 'sub1/resize' });
    expect(run.nodes.sub1.status).toBe('running');
    run = fold(run, { type: 'node.finished', nodeId: 'sub1/resize', cached: false, durationMs: 1, outputs: {} });
    expect(run.nodes.sub1.status).toBe('running'); // one done, one still waiting
    run = fold(run, { type: 'node.started', nodeId: 'd/a/x' });
    expect([run.nodes.d.status, run.nodes['d/a'].status]).toEqual(['running', 'running']);
    run = fold(run, { type: 'node.failed', nodeId: 'sub1/mask', error: 'boom', durationMs: 1 });
    expect(run.nodes.sub1.status).toBe('failed');
    run = fold(run, { type: 'node.finished', nodeId: 'd/a/x', cached: true, durationMs: 0, outputs: {} });
    expect(run.nodes.d.status).toBe('cached');
    expect(innerProgress(run.nodes, 'd')).toEqual({ done: 1, total: 1, failed: 0 });
    expect(innerProgress(run.nodes, 'sub1')).toEqual({ done: 1, total: 2, failed: 1 });
  });

  it('a stored record gives the same derived states, and the inner costs summed', () => {
    const record = {
      id: 'r2',
      status: 'succeeded' as const,
      startedAt: '',
      outputs: {},
      nodes: {
        'sub1/gen': { status: 'succeeded' as const, cached: false, outputs: {}, meta: { costUsd: 0.04 } },
        'sub1/edit': { status: 'succeeded' as const, cached: true, outputs: {}, meta: { costUsd: 0 } },
        'sub2/gen': { status: 'succeeded' as const, cached: false, outputs: {}, meta: { costUsd: null } },
        plain: { status: 'succeeded' as const, cached: false, outputs: {} },
      },
    };
    const run = runFromRecord(record);
    expect(run.nodes.sub1).toMatchObject({ status: 'succeeded', costUsd: 0.04 });
    expect(run.nodes.sub2).toMatchObject({ status: 'succeeded', costUsd: null });
    expect(run.nodes['sub1/edit']).toMatchObject({ status: 'cached', costUsd: 0 });
    expect('costUsd' in run.nodes.plain).toBe(false);
  });
});

describe('cost labels', () => {
  it('never guesses: unknown stays unknown, cached says so, nothing billed shows nothing', () => {
    seq = 0;
    const run = fold(emptyRun('r1'), { type: 'node.finished', nodeId: 'g', cached: false, durationMs: 1, outputs: {}, meta: { usage: {}, costUsd: 0.04 } });
    expect(nodeCostLabel(run.nodes.g.costUsd, false)).toBe('$0.04');
    expect(nodeCostLabel(0, true)).toBe('$0 · cached');
    expect(nodeCostLabel(null, false)).toBe('cost unknown');
    expect(nodeCostLabel(undefined, false)).toBeUndefined();
    expect(totalCostLabel(null)).toBe('cost unknown');
    expect(totalCostLabel(0.123456)).toBe('$0.123');
    expect(formatUsd(0.0012)).toBe('$0.0012');
    expect(formatUsd(0.00001)).toBe('<$0.0001');
    expect(formatUsd(2.5)).toBe('$2.5');
  });
});
