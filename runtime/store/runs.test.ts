import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunEvent, RunEventBody, RunRecord } from '../../model/events';
import type { Flow } from '../../model/flow';
import { applyEvent } from '../../model/run-record';
import { openStore, type Store } from './index';
import { runOrigins } from './run-origins';
import { EVENTS_PER_ROW, RECORD_NODES_IN_TURNS } from './runs';
import { parseStored } from './stored-json';

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

const storedRecord = (id: string) => parseStored<RunRecord>((store.db.prepare('SELECT record_json FROM runs WHERE id = ?').get(id) as { record_json: string | Buffer }).record_json);
const storedTypes = (id: string) =>
  store.db.prepare('SELECT typeof(flow_json) AS flow, typeof(record_json) AS record, (SELECT group_concat(typeof(json)) FROM events WHERE run_id = ?) AS events FROM runs WHERE id = ?').get(id, id);

/** A flow of `count` nodes: from a few hundred on, its flow, record and events are stored deflated. */
function wideFlow(count: number): Flow {
  return { ...flow, nodes: Array.from({ length: count }, (_, i) => ({ id: `node-${i}`, type: 't', position: { x: i, y: 0 }, params: { label: `node number ${i}` } })), edges: [] };
}

describe('run store', () => {
  it("keeps a pending run's flow readable and stores it as the same text on the main connection", () => {
    store = openStore(dir, { writerThread: false });
    const accented: Flow = { ...flow, name: 'deux 🌍 節点 — ünïcödé' };
    store.runs.create({ id: 'accented', status: 'queued', startedAt: new Date().toISOString(), outputs: {}, nodes: {} }, accented);
    expect(store.runs.flowOf('accented')).toEqual(accented);
    store.runs.flush();
    expect(store.db.prepare("SELECT flow_json FROM runs WHERE id = 'accented'").pluck().get()).toBe(JSON.stringify(accented));
    expect(storedTypes('accented')).toMatchObject({ flow: 'text' });
  });

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

  it("stores a run saved with nodesInEvents as its record's head, and reads the record its events make", () => {
    store = openStore(dir);
    const { record, emit } = startRun('head-1');
    emit({ type: 'run.queued', nodes: ['a', 'b', 'c', 'd'] });
    emit({ type: 'run.started' });
    emit({ type: 'node.started', nodeId: 'a' });
    emit({ type: 'node.finished', nodeId: 'a', cached: true, durationMs: 2, outputs: { n: 1 }, backend: 'remote', meta: { model: 'm' }, sharedWith: 'other-run' });
    emit({ type: 'node.started', nodeId: 'b' });
    emit({ type: 'node.failed', nodeId: 'b', error: 'quota', durationMs: 3 });
    emit({ type: 'node.skipped', nodeId: 'c', reason: 'upstream failed' });
    emit({ type: 'run.finished', status: 'failed', outputs: { out: 'x' }, error: 'a node failed', costUsd: 0.25 });
    store.runs.save(record, { nodesInEvents: true });
    const expected = JSON.parse(JSON.stringify(record));
    expect(expected.nodes.d).toMatchObject({ status: 'queued' }); // never started: still as run.queued made it
    expect(store.runs.get('head-1')).toEqual(expected); // pending: from memory
    store.runs.flush();

    const row = store.db.prepare("SELECT record_json FROM runs WHERE id = 'head-1'").pluck().get() as string;
    expect(typeof row).toBe('string');
    expect(JSON.parse(row)).toEqual({ nodesInEvents: true, ...expected, nodes: {} });
    expect(store.runs.get('head-1')).toEqual(expected); // committed: folded from its events
    expect(store.runs.storedRecord('head-1')).toBeUndefined(); // the head is not the record to answer with

    // A flow attached later keeps the row a head, as text.
    expect(store.runs.attachToFlow('my-flow', ['head-1'])).toEqual(['head-1']);
    expect(store.runs.get('head-1')).toEqual({ ...expected, flowId: 'my-flow' });
    expect(store.runs.storedRecord('head-1')).toBeUndefined();

    // Saved without the option, the row holds the whole record.
    const whole = startRun('whole-1');
    whole.emit({ type: 'run.queued', nodes: ['a'] });
    whole.emit({ type: 'run.finished', status: 'succeeded', outputs: {} });
    store.runs.save(whole.record);
    store.runs.flush();
    expect(storedRecord('whole-1')).toEqual(JSON.parse(JSON.stringify(whole.record)));
    expect(store.runs.storedRecord('whole-1')).toBeDefined();
  });

  it('stores what a finished run is at the commit: a save again, or an event after its save, is not lost to what was serialised at the save', () => {
    store = openStore(dir);
    const { record, emit } = startRun('resaved');
    emit({ type: 'run.started' });
    emit({ type: 'run.finished', status: 'succeeded', outputs: {} });
    store.runs.save(record);
    emit({ type: 'run.finished', status: 'failed', outputs: {}, error: 'late' }); // e.g. a queue worker's correction
    record.error = 'saved again';
    store.runs.save(record);
    const late = startRun('late-event');
    late.emit({ type: 'run.started' });
    late.emit({ type: 'run.finished', status: 'succeeded', outputs: {} });
    store.runs.save(late.record);
    late.emit({ type: 'node.progress', nodeId: 'a', fraction: 1 }); // after its save, not saved again
    store.runs.flush();
    expect(storedRecord('resaved')).toMatchObject({ status: 'failed', error: 'saved again' });
    const committed = (id: string) => (store.db.prepare('SELECT json FROM events WHERE run_id = ?').pluck().all(id) as string[]).flatMap((json) => parseStored<RunEvent[]>(json)).map((e) => e.seq);
    expect(committed('resaved')).toEqual([1, 2, 3]);
    expect(committed('late-event')).toEqual([1, 2, 3]);
  });

  it("reads a saved run's events before their commit, keeps them through a failed commit, and stores them in order with a later one", () => {
    store = openStore(dir, { writerThread: false });
    const { record, emit } = startRun('sealed-1');
    emit({ type: 'run.started' });
    emit({ type: 'node.started', nodeId: 'a' });
    emit({ type: 'run.finished', status: 'succeeded', outputs: {} });
    store.runs.save(record);
    expect(store.runs.eventsSince('sealed-1').map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(store.runs.eventsSince('sealed-1', 2).map((e) => e.type)).toEqual(['run.finished']);
    expect(store.runs.lastSeq('sealed-1')).toBe(3);

    // A disk with no room left: the commit fails, its writes wait for the next one.
    store.writes.pragma(`max_page_count = ${store.db.pragma('page_count', { simple: true }) as number}`);
    startRun('too-big').record.error = 'x'.repeat(1 << 20); // needs pages the disk does not have
    store.runs.create({ id: 'too-big-2', status: 'succeeded', startedAt: new Date().toISOString(), outputs: {}, nodes: {}, error: 'y'.repeat(1 << 20) }, flow);
    expect(() => store.runs.flush()).toThrow(/SQLITE_FULL|full/);
    expect(store.runs.eventsSince('sealed-1').map((e) => e.seq)).toEqual([1, 2, 3]);
    emit({ type: 'node.progress', nodeId: 'a', fraction: 1 }); // after its save (a queue worker's late report)
    expect(store.runs.lastSeq('sealed-1')).toBe(4);

    store.writes.pragma('max_page_count = 1073741823');
    store.runs.flush();
    const committed = (store.db.prepare('SELECT json FROM events WHERE run_id = ? ORDER BY first_seq').pluck().all('sealed-1') as string[]).flatMap((json) => parseStored<RunEvent[]>(json));
    expect(committed.map((e) => `${e.seq} ${e.type}`)).toEqual(['1 run.started', '2 node.started', '3 run.finished', '4 node.progress']);
    expect(committed.some((e) => 'runId' in e)).toBe(false); // the log is the run's: its events leave it out
    expect(store.runs.eventsSince('sealed-1')).toEqual(committed.map((e) => ({ ...e, runId: 'sealed-1' })));
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

  it('stores a large run deflated and reads its record, flow and events back whole, also after a restart', () => {
    store = openStore(dir);
    const big = wideFlow(400);
    const record: RunRecord = { id: 'big-1', status: 'queued', startedAt: new Date().toISOString(), outputs: {}, nodes: {} };
    store.runs.create(record, big);
    let seq = 0;
    const emit = (body: RunEventBody) => {
      const event: RunEvent = { ...body, runId: record.id, seq: ++seq, ts: new Date().toISOString() };
      applyEvent(record, event);
      store.runs.appendEvent(event);
    };
    emit({ type: 'run.queued', nodes: big.nodes.map((n) => n.id) });
    emit({ type: 'run.started' });
    for (const node of big.nodes) emit({ type: 'node.finished', nodeId: node.id, cached: false, durationMs: 1, outputs: { text: `output of ${node.id}` } });
    emit({ type: 'run.finished', status: 'succeeded', outputs: {} });
    store.runs.save(record);
    runOrigins(store.db).save('big-1', big, { prompt: 'a hat' });
    store.runs.flush();
    expect(storedTypes('big-1')).toEqual({ flow: 'blob', record: 'blob', events: 'blob' });
    const events = store.runs.eventsSince('big-1');
    store.close();

    store = openStore(dir);
    expect(store.runs.get('big-1')).toEqual(JSON.parse(JSON.stringify(record)));
    expect(store.runs.flowOf('big-1')).toEqual(big);
    expect(store.runs.eventsSince('big-1')).toEqual(events);
    expect(store.runs.eventsSince('big-1', 300).map((e) => e.seq)).toEqual(events.slice(300).map((e) => e.seq));
    expect(runOrigins(store.db).get('big-1')).toEqual({ flow: big, inputs: { prompt: 'a hat' } });
  });

  it('writes a burst of events in rows of at most EVENTS_PER_ROW, which a replay reads a page at a time', () => {
    store = openStore(dir);
    store.runs.create({ id: 'burst-1', status: 'queued', startedAt: '2026-12-01T00:00:00.000Z', outputs: {}, nodes: {} }, flow);
    const count = 2 * EVENTS_PER_ROW + 1;
    for (let seq = 1; seq <= count; seq++) store.runs.appendEvent({ type: 'node.skipped', nodeId: `n${seq}`, reason: 'upstream node n0 failed', runId: 'burst-1', seq, ts: '2026-12-01T00:00:00.000Z' });
    store.runs.flush();
    const rows = store.db.prepare<[], { first_seq: number; last_seq: number }>("SELECT first_seq, last_seq FROM events WHERE run_id = 'burst-1' ORDER BY first_seq").all();
    expect(rows).toEqual([
      { first_seq: 1, last_seq: EVENTS_PER_ROW },
      { first_seq: EVENTS_PER_ROW + 1, last_seq: 2 * EVENTS_PER_ROW },
      { first_seq: count, last_seq: count },
    ]);
    const first = store.runs.eventPage('burst-1', 0, 10);
    expect(first.complete).toBe(false);
    expect(first.events.map((e) => e.seq)).toEqual(Array.from({ length: EVENTS_PER_ROW }, (_, i) => i + 1));
    const rest = store.runs.eventPage('burst-1', EVENTS_PER_ROW + 5, count);
    expect(rest.complete).toBe(true);
    expect(rest.events.map((e) => e.seq)).toEqual(Array.from({ length: count - EVENTS_PER_ROW - 5 }, (_, i) => EVENTS_PER_ROW + 6 + i));
    expect(store.runs.eventsSince('burst-1').map((e) => e.seq)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
  });

  it("saves a large finished record in turns of the event loop, readable meanwhile, keeping a flow attached meanwhile", async () => {
    store = openStore(dir);
    const big = wideFlow(RECORD_NODES_IN_TURNS * 2);
    const finished = (id: string): RunRecord => {
      const record: RunRecord = { id, status: 'queued', startedAt: '2026-12-01T00:00:00.000Z', outputs: {}, nodes: {} };
      store.runs.create(record, big);
      record.status = 'succeeded';
      record.finishedAt = '2026-12-01T00:00:01.000Z';
      for (const node of big.nodes) record.nodes[node.id] = { status: 'succeeded', cached: false, outputs: { text: `output of ${node.id}` } };
      return record;
    };
    const record = finished('large-1');
    // Turns counted by setImmediate, not a 0 ms interval, which a fast machine's turns came under
    // (it fired twice). How the JSON is cut into turns is json-pieces.test.ts's.
    let turns = 0;
    let ticking = true;
    const tick = () => {
      if (!ticking) return;
      turns++;
      expect(store.runs.get('large-1')).toBe(record); // live until it is saved
      setImmediate(tick);
    };
    setImmediate(tick);
    await store.runs.saveInTurns(record);
    ticking = false;
    expect(turns).toBeGreaterThanOrEqual(1);
    store.runs.flush();
    expect(storedTypes('large-1')).toMatchObject({ record: 'blob' });
    expect(parseStored(store.db.prepare("SELECT record_json FROM runs WHERE id = 'large-1'").pluck().get() as Buffer)).toEqual(JSON.parse(JSON.stringify(record)));

    // A flow attached while the JSON is being made: the commit writes the record with it.
    const other = finished('large-2');
    store.runs.flush();
    const saving = store.runs.saveInTurns(other);
    expect(store.runs.attachToFlow('a-flow', ['large-2'])).toEqual(['large-2']);
    await saving;
    store.runs.flush();
    expect(store.runs.get('large-2')).toMatchObject({ flowId: 'a-flow', status: 'succeeded' });
    expect(Object.keys(store.runs.get('large-2')!.nodes)).toHaveLength(big.nodes.length);
  });

  it('reads rows written as text before large rows were deflated', () => {
    store = openStore(dir);
    const big = wideFlow(400);
    const record: RunRecord = { id: 'old-1', status: 'succeeded', startedAt: '2026-11-01T00:00:00.000Z', finishedAt: '2026-11-01T00:00:01.000Z', outputs: {}, nodes: {} };
    const events: RunEvent[] = big.nodes.map((node, i) => ({ type: 'node.skipped', nodeId: node.id, reason: 'an older row', runId: 'old-1', seq: i + 1, ts: record.startedAt }));
    store.db.prepare('INSERT INTO runs (id, status, started_at, finished_at, flow_json, record_json) VALUES (?, ?, ?, ?, ?, ?)').run('old-1', 'succeeded', record.startedAt, record.finishedAt, JSON.stringify(big), JSON.stringify(record));
    store.db.prepare('INSERT INTO events (run_id, first_seq, last_seq, json) VALUES (?, ?, ?, ?)').run('old-1', 1, events.length, JSON.stringify(events));
    expect(storedTypes('old-1')).toEqual({ flow: 'text', record: 'text', events: 'text' });
    expect(store.runs.get('old-1')).toEqual(record);
    expect(store.runs.flowOf('old-1')).toEqual(big);
    expect(store.runs.eventsSince('old-1')).toEqual(events);
  });

  it('attaches a deflated run to a flow, and a live run keeps the flow when it is saved later', () => {
    store = openStore(dir);
    const big = wideFlow(400);
    const finished: RunRecord = { id: 'done-1', status: 'succeeded', startedAt: new Date().toISOString(), outputs: {}, nodes: Object.fromEntries(big.nodes.map((n) => [n.id, { status: 'succeeded' as const, cached: false, outputs: { text: n.id } }])) };
    store.runs.create(finished, big);
    const { record: live, emit } = startRun('live-2');
    store.runs.flush();
    expect(storedTypes('done-1')).toMatchObject({ record: 'blob' });

    expect(store.runs.attachToFlow('my-flow', ['done-1', 'live-2', 'no-such-run'])).toEqual(['done-1', 'live-2']);
    expect(store.runs.get('done-1')).toEqual({ ...JSON.parse(JSON.stringify(finished)), flowId: 'my-flow' });
    expect(store.runs.attachToFlow('other-flow', ['done-1'])).toEqual([]);
    emit({ type: 'run.finished', status: 'succeeded', outputs: {} });
    store.runs.save(live);
    store.runs.flush();
    expect(storedRecord('live-2').flowId).toBe('my-flow');
    expect(store.runs.list({ flowId: 'my-flow' }).map((r) => r.id).sort()).toEqual(['done-1', 'live-2']);
  });
});
