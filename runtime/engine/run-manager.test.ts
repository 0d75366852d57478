import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildFlow } from '../../test/helpers/flow-builder';
import { testNodes, WaitGate } from '../../test/helpers/test-nodes';
import { createAtelier, type Atelier } from '../atelier';
import type { RunEvent } from '../../model/events';
import { ValidationFailed } from './run-manager';
import { DEFAULT_RUNS_PER_TURN } from './admission';
import { TooManyRuns } from './live-budget';
import { z } from 'zod';
import { defineNode, type AnyNodeDefinition } from '../../nodes/api';
import { until } from '../../test/helpers/poll';

let dir: string;
let atelier: Atelier;
let gate: WaitGate;
let calls: Map<string, number>;

let logged: string[];

function open(env: Record<string, string> = {}) {
  gate = new WaitGate();
  calls = new Map();
  logged = [];
  atelier = createAtelier({ dataDir: join(dir, 'data'), flowsDir: join(dir, 'flows'), nodes: testNodes(gate, calls), env, log: (line) => logged.push(line) });
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'atelier-engine-'));
  open();
});
afterEach(async () => {
  await atelier.close();
  rmSync(dir, { recursive: true, force: true });
});

function collect(runId: string): RunEvent[] {
  const events: RunEvent[] = [];
  atelier.runs.subscribe(runId, 0, (e) => events.push(e));
  return events;
}

describe('run manager', () => {
  it('runs independent branches concurrently: every branch of a diamond is running at once', async () => {
    const branches = Array.from({ length: 8 }, (_, i) => [`w${i}`, 'test.wait', {}] as [string, string, Record<string, unknown>]);
    const flow = buildFlow([['src', 'test.number', { value: 1 }], ...branches, ['join', 'test.number']], [
      ...branches.map(([id]) => `src.value -> ${id}.value`),
      'w0.value -> join.add',
    ]);
    const runId = atelier.runs.start({ flow });
    await gate.waitForStarted(8);
    expect(gate.active).toBe(8);
    gate.release();
    const record = (await atelier.runs.wait(runId))!;
    expect(record.status).toBe('succeeded');
    expect(gate.maxActive).toBe(8);
    expect(record.nodes.join.outputs.value).toBe(1);
  });

  it('applies a per-key concurrency limit, overridable from the environment, with no listener-leak warning for many waiters', async () => {
    await atelier.close();
    open({ ATELIER_CONCURRENCY_TEST_WAIT: '2' });
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      const flow = buildFlow(Array.from({ length: 20 }, (_, i) => [`w${i}`, 'test.wait', { ms: 5 }] as [string, string, Record<string, unknown>]));
      const record = await atelier.runs.run({ flow });
      expect(record.status).toBe('succeeded');
      expect(gate.maxActive).toBe(2);
      await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
      expect(warnings).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('emits events in order with a gapless seq and replays exactly the missed ones with since', async () => {
    const flow = buildFlow([['a', 'test.number', { value: 2 }], ['b', 'test.number', { value: 3 }]], ['a.value -> b.add']);
    const runId = atelier.runs.start({ flow });
    const live = collect(runId);
    await atelier.runs.wait(runId);
    expect(live.map((e) => e.seq)).toEqual(live.map((_, i) => i + 1));
    expect(live.map((e) => `${e.type}${'nodeId' in e ? ':' + e.nodeId : ''}`)).toEqual([
      'run.queued',
      'run.started',
      'node.started:a',
      'node.finished:a',
      'node.started:b',
      'node.finished:b',
      'run.finished',
    ]);
    const replayed: RunEvent[] = [];
    atelier.runs.subscribe(runId, 3, (e) => replayed.push(e));
    expect(replayed).toEqual(live.slice(3));
  });

  it('replays a live run\'s committed events from the store in order, then streams the rest', async () => {
    const flow = buildFlow([['a', 'test.number', { value: 1 }], ['w', 'test.wait'], ['b', 'test.number', { value: 2 }]], ['a.value -> w.value', 'w.value -> b.add']);
    const runId = atelier.runs.start({ flow });
    const all = collect(runId);
    await gate.waitForStarted(1);
    atelier.store.runs.flush(); // what happened so far is committed: the replay reads it back from SQLite
    const late: RunEvent[] = [];
    const progressSeq = all.find((e) => e.type === 'node.progress')!.seq;
    atelier.runs.subscribe(runId, progressSeq - 2, (e) => late.push(e));
    expect(late).toEqual(all.slice(progressSeq - 2).map((e) => JSON.parse(JSON.stringify(e))));
    expect(atelier.runs.lastSeq(runId)).toBe(all.length);
    gate.release();
    await atelier.runs.wait(runId);
    expect(late.map((e) => e.seq)).toEqual(all.slice(progressSeq - 2).map((e) => e.seq));
    expect(late.at(-1)).toMatchObject({ type: 'run.finished', status: 'succeeded' });
  });

  it('re-runs nothing for an unchanged flow, also from a fresh store on the same data dir', async () => {
    const flow = buildFlow([['a', 'test.number', { value: 2 }], ['b', 'test.number', { value: 3 }]], ['a.value -> b.add'], {
      outputs: { sum: { node: 'b', port: 'value' } },
    });
    const first = await atelier.runs.run({ flow });
    expect(first.outputs.sum).toBe(5);
    expect(Object.values(first.nodes).map((n) => n.cached)).toEqual([false, false]);
    await atelier.close();
    open();
    const second = await atelier.runs.run({ flow });
    expect(second.outputs.sum).toBe(5);
    expect(Object.values(second.nodes).every((n) => n.cached)).toBe(true);
    expect(calls.size).toBe(0);
    const changed = buildFlow([['a', 'test.number', { value: 2 }], ['b', 'test.number', { value: 4 }]], ['a.value -> b.add']);
    const third = await atelier.runs.run({ flow: changed });
    expect(third.nodes.a.cached).toBe(true);
    expect(third.nodes.b.cached).toBe(false);
  });

  it('runs non-deterministic nodes again unless pinned', async () => {
    const flow = buildFlow([['w', 'test.wait', { ms: 1 }]]);
    await atelier.runs.run({ flow });
    expect((await atelier.runs.run({ flow })).nodes.w.cached).toBe(false);
    flow.nodes[0].pinned = true;
    expect((await atelier.runs.run({ flow })).nodes.w.cached).toBe(true);
  });

  it('runs up to a node, and from a node reusing upstream results', async () => {
    const flow = buildFlow(
      [['a', 'test.wait', { ms: 1 }], ['b', 'test.number', { value: 1 }], ['c', 'test.number', { value: 10 }], ['other', 'test.number']],
      ['a.value -> b.add', 'b.value -> c.add'],
    );
    const upTo = await atelier.runs.run({ flow, target: { to: 'b' } });
    expect(Object.keys(upTo.nodes).sort()).toEqual(['a', 'b']);
    const from = await atelier.runs.run({ flow, target: { from: 'b' } });
    expect(Object.keys(from.nodes).sort()).toEqual(['a', 'b', 'c']);
    expect(from.nodes.a.cached).toBe(true); // not deterministic, but reused upstream of "from"
    expect(from.nodes.b.cached).toBe(false); // the start node always runs again
    expect(from.nodes.c.outputs.value).toBe(11);
    expect(gate.started).toEqual(['a']);
  });

  it('fails only the descendants of a failed node; other branches finish', async () => {
    const flow = buildFlow(
      [['bad', 'test.fail', { message: 'kaput' }], ['child', 'test.number'], ['grandchild', 'test.number'], ['ok', 'test.number', { value: 7 }]],
      ['bad.value -> child.add', 'child.value -> grandchild.add'],
    );
    const runId = atelier.runs.start({ flow });
    const events = collect(runId);
    const record = (await atelier.runs.wait(runId))!;
    expect(record.status).toBe('failed');
    expect(record.nodes.bad).toMatchObject({ status: 'failed', error: 'kaput' });
    expect(record.nodes.child.status).toBe('skipped');
    expect(record.nodes.grandchild.status).toBe('skipped');
    expect(record.nodes.ok).toMatchObject({ status: 'succeeded', outputs: { value: 7 } });
    expect(events.filter((e) => e.type === 'node.skipped').map((e) => (e as { reason: string }).reason)).toEqual([
      'upstream node bad failed',
      'upstream node bad failed',
    ]);
  });

  it('cancels: running nodes see the abort, no new node starts', async () => {
    const flow = buildFlow([['w', 'test.wait'], ['after', 'test.number']], ['w.value -> after.add']);
    const runId = atelier.runs.start({ flow });
    await gate.waitForStarted(1);
    atelier.runs.cancel(runId);
    const record = (await atelier.runs.wait(runId))!;
    expect(record.status).toBe('cancelled');
    expect(record.nodes.w.status).toBe('cancelled');
    expect(record.nodes.after.status).toBe('skipped');
    expect(gate.aborted).toEqual(['w']);
    expect(calls.has('number:after')).toBe(false);
  });

  it('ends a run at run.finished even when a node that ignored the cancel reports afterwards, and says so once', async () => {
    await atelier.close();
    const logged: string[] = [];
    let finish!: () => void;
    const carriedOn = new Promise<void>((resolve) => (finish = resolve));
    let started = false;
    const deaf = defineNode({
      type: 'test.deaf',
      title: 'Deaf',
      category: 'test',
      description: 'ignores cancel, reports once it is done',
      version: 1,
      inputs: {},
      outputs: { value: { type: 'number' } },
      params: z.object({}),
      deterministic: false,
      async run(ctx) {
        started = true;
        await carriedOn;
        ctx.progress(0.9, 'still here');
        ctx.progress(1, 'and here');
        return { value: 1 };
      },
    });
    atelier = createAtelier({ dataDir: join(dir, 'data'), flowsDir: join(dir, 'flows'), nodes: [deaf] as AnyNodeDefinition[], log: (message) => logged.push(message) });
    const runId = atelier.runs.start({ flow: buildFlow([['d', 'test.deaf']]) });
    await until('the node started', () => started);
    atelier.runs.cancel(runId);
    expect((await atelier.runs.wait(runId))!.status).toBe('cancelled');
    finish();
    await until('the late report logged', () => logged.some((line) => line.includes('came after the run ended')));
    expect(logged.filter((line) => line.includes('came after the run ended'))).toEqual([`run ${runId}: node.progress from node d came after the run ended (a node still running after a cancel?); dropped, as are any more`]);
    const events = atelier.store.runs.eventsSince(runId, 0);
    expect(events[events.length - 1]).toMatchObject({ type: 'run.finished', status: 'cancelled' });
    expect(atelier.runs.get(runId)!.nodes.d.status).toBe('cancelled');
  });

  it('retries retryable errors with backoff and reports each retry', async () => {
    const flow = buildFlow([['f', 'test.flaky', { failures: 2 }]]);
    const runId = atelier.runs.start({ flow });
    const events = collect(runId);
    const record = (await atelier.runs.wait(runId))!;
    expect(record.nodes.f).toMatchObject({ status: 'succeeded', outputs: { attempts: 3 } });
    const retries = events.filter((e) => e.type === 'node.progress').map((e) => (e as { message?: string }).message);
    expect(retries).toHaveLength(2);
    expect(retries[0]).toMatch(/attempt 1 failed \(temporary failure on attempt 1\); retrying in/);
  });

  it('gives up after the policy attempts and does not retry permanent errors', async () => {
    const exhausted = await atelier.runs.run({ flow: buildFlow([['f', 'test.flaky', { failures: 10 }]]) });
    expect(exhausted.nodes.f).toMatchObject({ status: 'failed', error: 'temporary failure on attempt 4' });
    const permanent = await atelier.runs.run({ flow: buildFlow([['p', 'test.flaky', { failures: 10, retryable: false }]]) });
    expect(permanent.nodes.p).toMatchObject({ status: 'failed', error: 'permanent failure on attempt 1' });
  });

  it('honours retry-after from the error', async () => {
    const runId = atelier.runs.start({ flow: buildFlow([['f', 'test.flaky', { failures: 1, retryAfterMs: 40 }]]) });
    const events = collect(runId);
    await atelier.runs.wait(runId);
    expect(events.find((e) => e.type === 'node.progress')).toMatchObject({ message: expect.stringContaining('retrying in 40 ms') });
  });

  it('validates everything before running anything and lists every problem', () => {
    const flow = buildFlow([['a', 'test.number', { value: 'x' }], ['b', 'nope']], []);
    expect(() => atelier.runs.start({ flow, inputs: { missing: 1 } })).toThrow(ValidationFailed);
    try {
      atelier.runs.start({ flow, inputs: { missing: 1 } });
    } catch (error) {
      expect((error as ValidationFailed).issues.map((i) => i.code).sort()).toEqual(['invalid_param', 'unknown_input', 'unknown_type']);
    }
    expect(calls.size).toBe(0);
    expect(atelier.store.runs.list()).toHaveLength(0);
  });

  it('sets params named as flow inputs, converting CLI strings to the param type', async () => {
    const flow = buildFlow([['a', 'test.number', { value: 1 }]], [], { inputs: { n: { node: 'a', param: 'value' } }, outputs: { out: { node: 'a', port: 'value' } } });
    expect((await atelier.runs.run({ flow, inputs: { n: '41' } })).outputs.out).toBe(41);
  });

  it('stores the run record and its events in SQLite', async () => {
    const flow = buildFlow([['a', 'test.number', { value: 2 }]]);
    const record = await atelier.runs.run({ flow, flowId: 'x' });
    expect(atelier.store.runs.get(record.id)).toEqual(record);
    expect(atelier.store.runs.list({ flowId: 'x' })[0]).toMatchObject({ id: record.id, status: 'succeeded' });
    expect(atelier.store.runs.eventsSince(record.id, 0).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
  });

  it('marks runs that were running when the process died as interrupted', async () => {
    const flow = buildFlow([['w', 'test.wait']]);
    const runId = atelier.runs.start({ flow });
    await gate.waitForStarted(1);
    atelier.store.runs.flush();
    atelier.store.runs.save({ ...atelier.runs.get(runId)!, status: 'running' });
    atelier.store.runs.flush();
    // a second process opening the same data dir while this one "died"
    const other = createAtelier({ dataDir: join(dir, 'data'), flowsDir: join(dir, 'flows'), nodes: testNodes(), log: () => {} });
    expect(other.store.runs.get(runId)?.status).toBe('interrupted');
    other.store.close();
    gate.release();
  });

  it('starts a burst of runs a turn at a time: the first runs at once, the rest stay queued, then all succeed', async () => {
    const flow = buildFlow([['a', 'test.number', { value: 3 }], ['b', 'test.number']], ['a.value -> b.add']);
    const burst = DEFAULT_RUNS_PER_TURN * 3;
    const ids = Array.from({ length: burst }, () => atelier.runs.start({ flow }));
    const statuses = ids.map((id) => atelier.runs.get(id)!.status);
    expect(statuses.filter((s) => s === 'running')).toHaveLength(DEFAULT_RUNS_PER_TURN);
    expect(statuses.filter((s) => s === 'queued')).toHaveLength(burst - DEFAULT_RUNS_PER_TURN);
    const records = await Promise.all(ids.map((id) => atelier.runs.wait(id)));
    expect(records.map((r) => r?.status)).toEqual(ids.map(() => 'succeeded'));
    expect(atelier.store.runs.eventsSince(ids[burst - 1], 0).map((e) => e.type).slice(0, 2)).toEqual(['run.queued', 'run.started']);
  });

  it('cancels a run still queued behind a burst: it ends cancelled without running a node', async () => {
    const flow = buildFlow([['a', 'test.number', { value: 1 }]]);
    const ids = Array.from({ length: DEFAULT_RUNS_PER_TURN + 1 }, () => atelier.runs.start({ flow }));
    const last = ids[ids.length - 1];
    expect(atelier.runs.get(last)!.status).toBe('queued');
    atelier.runs.cancel(last);
    const record = (await atelier.runs.wait(last))!;
    expect(record.status).toBe('cancelled');
    expect(record.nodes.a).toMatchObject({ status: 'skipped', error: 'cancelled' });
    expect(atelier.store.runs.eventsSince(last, 0).map((e) => e.type)).not.toContain('node.started');
  });

  it('gives the budget of ATELIER_MAX_LIVE_RUNS back however a run ends: failed, cancelled or succeeded', async () => {
    await atelier.close();
    open({ ATELIER_MAX_LIVE_RUNS: '1' });
    const held = (tag: string) => buildFlow([['w', 'test.wait', { tag }]]);
    const failing = atelier.runs.start({ flow: buildFlow([['f', 'test.fail', { message: 'no' }]]) });
    expect(() => atelier.runs.start({ flow: held('a') })).toThrow(TooManyRuns);
    expect((await atelier.runs.wait(failing))!.status).toBe('failed');

    const cancelled = atelier.runs.start({ flow: held('b') });
    await gate.waitForStarted(1);
    expect(() => atelier.runs.start({ flow: held('c') })).toThrow(TooManyRuns);
    atelier.runs.cancel(cancelled);
    expect((await atelier.runs.wait(cancelled))!.status).toBe('cancelled');

    const last = atelier.runs.start({ flow: held('d') });
    await gate.waitForStarted(2);
    gate.release();
    expect((await atelier.runs.wait(last))!.status).toBe('succeeded');
    expect((await atelier.runs.run({ flow: buildFlow([['n', 'test.number', { value: 3 }]]) })).status).toBe('succeeded');
  });

  it('rejects a run whose end cannot be saved, and gives its budget back', async () => {
    await atelier.close();
    open({ ATELIER_MAX_LIVE_RUNS: '1' });
    const runs = atelier.store.runs;
    const save = runs.save.bind(runs);
    runs.save = () => {
      runs.save = save; // fails once: the next run saves as usual
      throw new Error('injected: the record could not be saved');
    };
    await expect(atelier.runs.run({ flow: buildFlow([['n', 'test.number', { value: 1 }]]) })).rejects.toThrow('injected: the record could not be saved');
    expect((await atelier.runs.run({ flow: buildFlow([['n', 'test.number', { value: 2 }]]) })).status).toBe('succeeded');
  });

  it('logs the failure of a run nobody waits for (POST /api/runs without ?wait), never leaving an unhandled rejection', async () => {
    const runs = atelier.store.runs;
    const save = runs.save.bind(runs);
    runs.save = () => {
      runs.save = save;
      throw new Error('injected: the record could not be saved');
    };
    const runId = atelier.runs.start({ flow: buildFlow([['n', 'test.number', { value: 1 }]]) });
    await until('the failure logged', () => logged.some((line) => line.includes(runId) && line.includes('injected: the record could not be saved')));
    expect((await atelier.runs.run({ flow: buildFlow([['n', 'test.number', { value: 2 }]]) })).status).toBe('succeeded');
  });
});
