import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunEvent, RunEventBody, RunRecord } from '../../model/events';
import type { Flow } from '../../model/flow';
import { applyEvent } from '../../model/run-record';
import { openStore, type Store } from './index';
import { runOrigins } from './run-origins';

let dir: string;
let store: Store;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'atelier-runs-'));
});
afterEach(() => {
  store?.close();
  rmSync(dir, { recursive: true, force: true });
});

const flow: Flow = {
  format: 'atelier.flow/1',
  name: 'two',
  revision: 1,
  inputs: {},
  outputs: {},
  nodes: [
    { id: 'a', type: 't', position: { x: 0, y: 0 }, params: {} },
    { id: 'b', type: 't', position: { x: 9, y: 0 }, params: {} },
  ],
  edges: [{ id: 'e', source: 'a', sourceHandle: 'n', target: 'b', targetHandle: 'n' }],
};

/** A run as the run manager drives it: created empty, events folded into the live record. */
function startRun(id: string) {
  const record: RunRecord = { id, status: 'queued', startedAt: new Date().toISOString(), outputs: {}, nodes: {} };
  store.runs.create(record, flow);
  let seq = 0;
  const emit = (body: RunEventBody) => {
    const event: RunEvent = { ...body, runId: id, seq: ++seq, ts: new Date().toISOString() };
    applyEvent(record, event);
    store.runs.appendEvent(event);
  };
  return { record, emit };
}

const storedRecord = (id: string) => JSON.parse((store.db.prepare('SELECT record_json FROM runs WHERE id = ?').get(id) as { record_json: string }).record_json) as RunRecord;

describe('run store', () => {
  it('serves a live run from memory and writes its whole record once, when it is saved finished', () => {
    store = openStore(dir);
    const { record, emit } = startRun('live-1');
    emit({ type: 'run.queued', nodes: ['a', 'b'] });
    emit({ type: 'run.started' });
    emit({ type: 'node.started', nodeId: 'a' });
    emit({ type: 'node.finished', nodeId: 'a', cached: false, durationMs: 1, outputs: { n: 1 } });
    store.runs.flush();
    // Committed: the row and the events; the row holds the record's head, reads see the live record.
    expect(storedRecord('live-1').nodes).toEqual({});
    expect(store.runs.get('live-1')?.nodes.a).toMatchObject({ status: 'succeeded', outputs: { n: 1 } });
    expect(store.runs.list().find((r) => r.id === 'live-1')?.status).toBe('running');
    expect(store.runs.eventsSince('live-1').map((e) => e.type)).toEqual(['run.queued', 'run.started', 'node.started', 'node.finished']);

    emit({ type: 'node.started', nodeId: 'b' });
    emit({ type: 'node.finished', nodeId: 'b', cached: false, durationMs: 1, outputs: { n: 2 } });
    emit({ type: 'run.finished', status: 'succeeded', outputs: {} });
    store.runs.save(record);
    store.runs.flush();
    expect(storedRecord('live-1')).toEqual(JSON.parse(JSON.stringify(record)));
    expect(store.runs.list().find((r) => r.id === 'live-1')?.status).toBe('succeeded');
  });

  it('closes a run left unfinished from its events, though its row holds only the head', () => {
    store = openStore(dir);
    const { emit } = startRun('dead-1');
    emit({ type: 'run.queued', nodes: ['a', 'b'] });
    emit({ type: 'run.started' });
    emit({ type: 'node.started', nodeId: 'a' });
    store.runs.flush();
    store.close();

    store = openStore(dir); // the next process
    expect(store.runs.closeInterrupted()).toBe(1);
    const record = store.runs.get('dead-1')!;
    expect(record.status).toBe('interrupted');
    expect(record.nodes.a).toMatchObject({ status: 'failed', error: 'interrupted' });
    expect(record.nodes.b).toMatchObject({ status: 'skipped', error: 'interrupted' });
    expect(store.runs.eventsSince('dead-1').at(-1)).toMatchObject({ type: 'run.finished', status: 'interrupted' });
  });

  it("gives a run without an origin row its own flow as origin (a flow run as sent), and keeps a saved origin's inputs", () => {
    store = openStore(dir);
    startRun('plain-1');
    startRun('with-inputs-1');
    runOrigins(store.db).save('with-inputs-1', { ...flow, name: 'as sent' }, { prompt: 'a hat' });
    store.runs.flush();
    expect(runOrigins(store.db).get('plain-1')).toEqual({ flow, inputs: {} });
    expect(runOrigins(store.db).get('with-inputs-1')).toEqual({ flow: { ...flow, name: 'as sent' }, inputs: { prompt: 'a hat' } });
    expect(runOrigins(store.db).get('no-such-run')).toBeUndefined();
  });
});
