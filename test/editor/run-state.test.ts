// The editor's pure event folding (editor/src/store/run-state.ts).
import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../model/events';
import { foldEvents } from '../../model/run-record';
import { applyRunEvent, caughtUp, emptyRun, runFromRecord } from '../../editor/src/store/run-state';

const ev = (seq: number, body: Record<string, unknown>) => ({ runId: 'r1', seq, ts: `2026-01-01T00:00:0${seq}Z`, ...body }) as RunEvent;

const events: RunEvent[] = [
  ev(1, { type: 'run.queued', flowId: 'f', nodes: ['a', 'b', 'c'] }),
  ev(2, { type: 'run.started' }),
  ev(3, { type: 'node.started', nodeId: 'a' }),
  ev(4, { type: 'node.progress', nodeId: 'a', fraction: 0.5, message: 'half' }),
  ev(5, { type: 'node.finished', nodeId: 'a', cached: true, durationMs: 3, outputs: { text: 'x' } }),
  ev(6, { type: 'node.started', nodeId: 'b' }),
  ev(7, { type: 'node.failed', nodeId: 'b', error: 'boom', durationMs: 1 }),
  ev(8, { type: 'node.skipped', nodeId: 'c', reason: 'upstream failed' }),
  ev(9, { type: 'run.finished', status: 'failed', outputs: {} }),
];

describe('run state', () => {
  it('folds events into per-node display states', () => {
    let run = emptyRun('r1');
    const seen: string[] = [];
    for (const e of events) {
      run = applyRunEvent(run, e);
      seen.push(run.nodes.a?.status ?? 'idle');
    }
    expect(seen.slice(0, 5)).toEqual(['queued', 'queued', 'running', 'running', 'cached']);
    expect(run.status).toBe('failed');
    expect(run.nodes.b).toMatchObject({ status: 'failed', error: 'boom' });
    expect(run.nodes.c).toMatchObject({ status: 'skipped', reason: 'upstream failed' });
    expect(run.lastSeq).toBe(9);
  });

  it('ignores replayed and foreign events', () => {
    let run = emptyRun('r1');
    for (const e of events.slice(0, 5)) run = applyRunEvent(run, e);
    const before = run;
    expect(applyRunEvent(run, events[2])).toBe(before);
    expect(applyRunEvent(run, { ...events[5], runId: 'other' })).toBe(before);
  });

  it('marks nodes still queued or running as skipped when the run is cancelled', () => {
    let run = emptyRun('r1');
    for (const e of events.slice(0, 4)) run = applyRunEvent(run, e);
    run = applyRunEvent(run, ev(5, { type: 'run.finished', status: 'cancelled', outputs: {} }));
    expect(run.nodes.a).toMatchObject({ status: 'skipped', reason: 'cancelled' });
    expect(run.nodes.c.status).toBe('skipped');
  });

  it('reads a run record and knows when a replay has caught up with it', () => {
    const record = runFromRecord({
      id: 'r1',
      status: 'running',
      startedAt: 't',
      outputs: {},
      nodes: { a: { status: 'succeeded', cached: false, outputs: {} }, b: { status: 'running', cached: false, outputs: {} }, c: { status: 'queued', cached: false, outputs: {} } },
    });
    expect(record.nodes.a.status).toBe('succeeded');
    let shadow = emptyRun('r1');
    for (const e of events.slice(0, 5)) {
      shadow = applyRunEvent(shadow, e);
      expect(caughtUp(shadow, record)).toBe(false);
    }
    shadow = applyRunEvent(shadow, events[5]);
    expect(caughtUp(shadow, record)).toBe(true);
  });

  it("holds the same record as the model's fold (one fold for server and editor)", () => {
    let run = emptyRun('r1');
    const before = structuredClone(run);
    for (const e of events) run = applyRunEvent(run, e);
    expect(run.record).toEqual(foldEvents('r1', events));
    expect(emptyRun('r1')).toEqual(before);
    // Replaying the log on a view rebuilt from the record changes nothing the canvas shows.
    const rebuilt = runFromRecord({ ...run.record, lastSeq: 0 });
    let replayed = rebuilt;
    for (const e of events) replayed = applyRunEvent(replayed, e);
    expect(replayed.record).toEqual(run.record);
    expect(replayed.status).toBe('failed');
  });

  it('does not change earlier views in place', () => {
    const views = [emptyRun('r1')];
    for (const e of events) views.push(applyRunEvent(views[views.length - 1], e));
    expect(views[3].record.nodes.a.status).toBe('running');
    expect(views[5].record.nodes.a.status).toBe('succeeded');
    expect(views[4].nodes.a).toMatchObject({ status: 'running', fraction: 0.5, message: 'half' });
  });
});
