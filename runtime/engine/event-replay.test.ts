import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../model/events';
import { buildFlow } from '../../test/helpers/flow-builder';
import { testNodes, WaitGate } from '../../test/helpers/test-nodes';
import { until } from '../../test/helpers/poll';
import { createAtelier, type Atelier } from '../atelier';
import { REPLAY_PAGE_EVENTS, replayThenFollow, type ReadEventPage, type RunListener } from './event-replay';

function event(seq: number): RunEvent {
  return { type: 'node.progress', runId: 'r', seq, ts: '2026-12-01T00:00:00.000Z', nodeId: 'n', fraction: 0.5 };
}

/** A store of `count` events read in batches of `batch` (as rows of the events table are). */
function storedEvents(count: number, batch = 400): { events: RunEvent[]; readPage: ReadEventPage; reads: number } {
  const events = Array.from({ length: count }, (_, i) => event(i + 1));
  const store = {
    events,
    reads: 0,
    readPage(since: number, minEvents: number) {
      store.reads++;
      const page: RunEvent[] = [];
      let at = since;
      while (at < store.events.length && page.length < minEvents) {
        page.push(...store.events.slice(at, at + batch));
        at += batch;
      }
      return { events: page, complete: at >= store.events.length };
    },
  };
  return store;
}

const seqs = (events: RunEvent[]) => events.map((e) => e.seq);
const oneTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('replayThenFollow', () => {
  it('delivers the first page at once and the rest a page per turn of the event loop, in order', async () => {
    const store = storedEvents(10_000);
    const got: RunEvent[] = [];
    const subscription = replayThenFollow(store.readPage, undefined, 0, (e) => got.push(e));
    expect(got.length).toBeGreaterThanOrEqual(REPLAY_PAGE_EVENTS);
    expect(got.length).toBeLessThan(10_000);
    await nextTurn();
    expect(got.length).toBeLessThan(10_000); // one more page, not the rest
    expect(await subscription.caughtUp).toBeUndefined();
    expect(seqs(got)).toEqual(oneTo(10_000));
    expect(store.reads).toBeGreaterThan(5);
  });

  it('starts after `since` and replays a short run whole before it returns', async () => {
    const store = storedEvents(50);
    const got: RunEvent[] = [];
    replayThenFollow(store.readPage, undefined, 20, (e) => got.push(e));
    expect(seqs(got)).toEqual(oneTo(50).slice(20));
  });

  it('delivers the live events that come while it replays (from the store) once each, without a gap, then follows', async () => {
    const store = storedEvents(5_000);
    const live = new Set<RunListener>();
    const emit = (seq: number) => {
      store.events.push(event(seq)); // stored before it is emitted, as the run manager does
      for (const listener of live) listener(store.events[seq - 1]);
    };
    const got: RunEvent[] = [];
    const subscription = replayThenFollow(store.readPage, live, 0, (e) => got.push(e));
    for (let seq = 5_001; seq <= 5_500; seq++) {
      emit(seq);
      if (seq % 100 === 0) await nextTurn();
    }
    await subscription.caughtUp;
    expect(seqs(got)).toEqual(oneTo(5_500));
    emit(5_501);
    expect(got.at(-1)!.seq).toBe(5_501);
    subscription.stop();
    emit(5_502);
    expect(got.at(-1)!.seq).toBe(5_501);
    expect(live.size).toBe(0);
  });

  it('waits while the subscriber is paused (a full socket buffer), then goes on', async () => {
    const store = storedEvents(10_000);
    let paused = false;
    let askedWhilePaused = 0;
    const got: RunEvent[] = [];
    const subscription = replayThenFollow(store.readPage, undefined, 0, (e) => {
      got.push(e);
      if (got.length === 3_000) paused = true;
    }, {
      paused: () => {
        if (paused) askedWhilePaused++;
        return paused;
      },
    });
    // The replay has come back to look several times, and read nothing meanwhile.
    await until('the replay to look at the paused subscriber 5 times', () => askedWhilePaused >= 5);
    const whilePaused = got.length;
    const reads = store.reads;
    expect(whilePaused).toBeGreaterThanOrEqual(3_000);
    expect(whilePaused).toBeLessThan(10_000);
    await until('one more look', () => askedWhilePaused >= 6);
    expect(store.reads).toBe(reads);
    expect(got.length).toBe(whilePaused);
    paused = false;
    await subscription.caughtUp;
    expect(store.reads).toBeGreaterThan(reads);
    expect(seqs(got)).toEqual(oneTo(10_000));
  });

  it('moves a live subscriber that stops keeping up back to stored pages: nothing is sent it meanwhile, then each event once', async () => {
    const store = storedEvents(10);
    const live = new Set<RunListener>();
    const emit = (seq: number) => {
      store.events.push(event(seq));
      for (const listener of live) listener(store.events[seq - 1]);
    };
    let paused = false;
    const got: RunEvent[] = [];
    const subscription = replayThenFollow(store.readPage, live, 0, (e) => got.push(e), { paused: () => paused });
    expect(await subscription.caughtUp).toBeUndefined();
    emit(11);
    expect(got.length).toBe(11); // following: straight through
    paused = true;
    for (let seq = 12; seq <= 30_000; seq++) emit(seq);
    expect(got.length).toBe(11);
    await nextTurn();
    expect(got.length).toBe(11);
    const reads = store.reads;
    paused = false;
    await until('the stored events to be read to the latest', () => got.length === 30_000);
    expect(store.reads - reads).toBeGreaterThan(10); // a page at a time
    expect(seqs(got)).toEqual(oneTo(30_000));
    emit(30_001);
    expect(got.at(-1)!.seq).toBe(30_001); // following again
    subscription.stop();
    expect(live.size).toBe(0);
  });

  it('stops between pages when asked', async () => {
    const store = storedEvents(10_000);
    const got: RunEvent[] = [];
    const subscription = replayThenFollow(store.readPage, undefined, 0, (e) => got.push(e));
    const delivered = got.length;
    subscription.stop();
    expect(await subscription.caughtUp).toBeUndefined();
    await nextTurn();
    await nextTurn();
    expect(got.length).toBe(delivered);
  });

  it('ends with the error, not the process, when a later page cannot be read or the listener throws', async () => {
    const store = storedEvents(10_000);
    let pages = 0;
    const failing: ReadEventPage = (since, min) => {
      if (++pages === 3) throw new Error('SQLITE_IOERR: disk I/O error');
      return store.readPage(since, min);
    };
    const live = new Set<RunListener>();
    const got: RunEvent[] = [];
    const subscription = replayThenFollow(failing, live, 0, (e) => got.push(e));
    expect((await subscription.caughtUp)?.message).toBe('SQLITE_IOERR: disk I/O error');
    expect(seqs(got)).toEqual(oneTo(got.length));
    expect(live.size).toBe(0);

    let calls = 0;
    const throwing = replayThenFollow(storedEvents(10_000).readPage, undefined, 0, () => {
      if (++calls === REPLAY_PAGE_EVENTS * 3) throw new Error('listener broke');
    });
    expect((await throwing.caughtUp)?.message).toBe('listener broke');
    expect(calls).toBe(REPLAY_PAGE_EVENTS * 3);
  });
});

describe('following a run through the run manager', () => {
  let dir: string;
  let atelier: Atelier;
  let gate: WaitGate;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'atelier-replay-'));
    gate = new WaitGate();
    atelier = createAtelier({ dataDir: join(dir, 'data'), flowsDir: join(dir, 'flows'), nodes: testNodes(gate, new Map()), log: () => {} });
  });
  afterEach(async () => {
    await atelier.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function chain(length: number) {
    const nodes: Array<[string, string, Record<string, unknown>]> = [['w', 'test.wait', {}], ['n0', 'test.number', { value: 1 }]];
    const edges = ['w.value -> n0.add'];
    for (let i = 1; i < length; i++) {
      nodes.push([`n${i}`, 'test.number', { value: 1 }]);
      edges.push(`n${i - 1}.value -> n${i}.add`);
    }
    return buildFlow(nodes, edges);
  }

  it('a subscriber that joins a 20,000-node run midway gets every event once, in order, to run.finished', async () => {
    const runId = atelier.runs.start({ flow: chain(20_000) });
    await gate.waitForStarted(1);
    const early: RunEvent[] = [];
    atelier.runs.subscribe(runId, 0, (e) => early.push(e));
    gate.release();
    // Join once part of the chain has run and its events were written in several batches.
    const deadline = Date.now() + 30_000;
    while (atelier.runs.lastSeq(runId) < 8_000 && Date.now() < deadline) await nextTurn();
    const late: RunEvent[] = [];
    const subscription = atelier.runs.subscribe(runId, 0, (e) => late.push(e))!;
    const record = (await atelier.runs.wait(runId))!;
    expect(await subscription.caughtUp).toBeUndefined();
    expect(record.status).toBe('succeeded');
    const last = atelier.runs.lastSeq(runId);
    expect(seqs(late)).toEqual(oneTo(last));
    expect(seqs(early)).toEqual(oneTo(last));
    expect(late.at(-1)).toMatchObject({ type: 'run.finished', status: 'succeeded' });

    const replay: RunEvent[] = [];
    const finished = atelier.runs.subscribe(runId, 0, (e) => replay.push(e))!;
    expect(replay.length).toBeLessThan(last); // the rest comes on later turns
    await finished.caughtUp;
    expect(seqs(replay)).toEqual(oneTo(last));
  });
});
