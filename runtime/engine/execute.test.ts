// The scheduler on graphs far larger than any call stack, and when something unexpected breaks.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { RunEvent, RunRecord } from '../../model/events';
import type { Flow } from '../../model/flow';
import { defineNode, type AnyNodeDefinition } from '../../nodes/api';
import { buildFlow } from '../../test/helpers/flow-builder';
import { testNodes, WaitGate } from '../../test/helpers/test-nodes';
import { createAtelier, type Atelier } from '../atelier';
import { readFileSync } from 'node:fs';
import { FlowSchema } from '../../model/flow';
import { builtinNodes } from '../../nodes/index';
import { openStore } from '../store';
import { NodeRegistry } from './registry';
import { RunManager } from './run-manager';
import { LocalSingleFlight } from './single-flight';
import { DEFAULT_RUNS_PER_TURN } from './admission';
import { assetFiles } from '../assets';

let dir: string;
let atelier: Atelier;
let gate: WaitGate;
let calls: Map<string, number>;
let backend = 'local:1';
let keyCalls = 0;

/** A node that says its result depends on `backend` (as a GPU node keys on the service that will serve). */
const keyed = defineNode({
  type: 'test.keyed',
  title: 'Keyed',
  category: 'test',
  description: 'result depends on the backend',
  version: 1,
  inputs: {},
  outputs: { value: { type: 'text' } },
  params: z.object({ mode: z.enum(['sync', 'async', 'throw', 'reject', 'number', 'fell-back']).default('sync') }),
  deterministic: true,
  cacheKey(params) {
    keyCalls++;
    if (params.mode === 'throw') throw new Error('service probe failed');
    if (params.mode === 'reject') return Promise.reject(new Error('health check timed out'));
    if (params.mode === 'number') return 42 as unknown as string;
    return params.mode === 'async' ? Promise.resolve(backend) : backend;
  },
  async run(ctx, _inputs, params) {
    calls.set(`keyed:${ctx.nodeId}`, (calls.get(`keyed:${ctx.nodeId}`) ?? 0) + 1);
    if (params.mode === 'fell-back') {
      ctx.skipCache('the service failed mid-run');
      return { value: 'local:1' };
    }
    return { value: backend };
  },
});

/** Returns whatever its params say: outputs a well-typed node could not return. */
const liar = defineNode({
  type: 'test.liar',
  title: 'Liar',
  category: 'test',
  description: 'returns the outputs in its params',
  version: 1,
  inputs: {},
  outputs: { value: { type: 'number' }, label: { type: 'text', optional: true } },
  params: z.object({ outputs: z.record(z.string(), z.unknown()) }),
  deterministic: true,
  async run(_ctx, _inputs, params) {
    return params.outputs as never;
  },
});

function open() {
  gate = new WaitGate();
  calls = new Map();
  atelier = createAtelier({ dataDir: join(dir, 'data'), flowsDir: join(dir, 'flows'), nodes: [...testNodes(gate, calls), keyed, liar] as AnyNodeDefinition[], log: () => {} });
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'atelier-execute-'));
  backend = 'local:1';
  keyCalls = 0;
  open();
});
afterEach(async () => {
  await atelier.close();
  rmSync(dir, { recursive: true, force: true });
});

const N = 100_000;

/** n0 → n1 → … → n(length-1), each adding its value 1 to its input; `head` replaces n0's type. */
function chain(length: number, head = 'test.number'): Flow {
  const flow = buildFlow(Array.from({ length }, (_, i) => [`n${i}`, i === 0 ? head : 'test.number', { value: 1 }] as [string, string, Record<string, unknown>]));
  flow.edges = Array.from({ length: length - 1 }, (_, i) => ({ id: `e${i}`, source: `n${i}`, sourceHandle: 'value', target: `n${i + 1}`, targetHandle: 'add' }));
  flow.outputs = { last: { node: `n${length - 1}`, port: 'value' } };
  return flow;
}

function fan(width: number): Flow {
  const flow = buildFlow([['src', 'test.number', { value: 1 }], ...Array.from({ length: width }, (_, i) => [`f${i}`, 'test.number', { value: 1 }] as [string, string, Record<string, unknown>])]);
  flow.edges = Array.from({ length: width }, (_, i) => ({ id: `e${i}`, source: 'src', sourceHandle: 'value', target: `f${i}`, targetHandle: 'add' }));
  return flow;
}

function statusCounts(record: RunRecord): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const node of Object.values(record.nodes)) counts[node.status] = (counts[node.status] ?? 0) + 1;
  return counts;
}

function collect(runId: string): RunEvent[] {
  const events: RunEvent[] = [];
  atelier.runs.subscribe(runId, 0, (e) => events.push(e));
  return events;
}

describe('the scheduler on 100,000-node graphs', () => {
  it('runs a chain, re-runs it from the cache, and runs it up to and from a node', async () => {
    const flow = chain(N);
    const first = await atelier.runs.run({ flow });
    expect(first.status).toBe('succeeded');
    expect(first.outputs.last).toBe(N);
    expect(statusCounts(first)).toEqual({ succeeded: N });

    const cached = await atelier.runs.run({ flow });
    expect(cached.status).toBe('succeeded');
    expect(cached.outputs.last).toBe(N);
    expect(Object.values(cached.nodes).every((n) => n.cached)).toBe(true);

    const upTo = await atelier.runs.run({ flow, target: { to: 'n70000' } });
    expect(upTo.status).toBe('succeeded');
    expect(Object.keys(upTo.nodes)).toHaveLength(70_001);
    expect(upTo.nodes.n70000.outputs.value).toBe(70_001);

    const from = await atelier.runs.run({ flow, target: { from: 'n50000' } });
    expect(from.status).toBe('succeeded');
    expect(statusCounts(from)).toEqual({ succeeded: N });
    expect(from.nodes.n49999.cached).toBe(true);
    expect(from.nodes.n50000.cached).toBe(false);
    expect(from.outputs.last).toBe(N);
  }, 600_000);

  it('skips all 99,999 nodes after a failing head, each reaching a final state', async () => {
    const flow = chain(N, 'test.fail');
    const runId = atelier.runs.start({ flow });
    const events = collect(runId);
    const record = (await atelier.runs.wait(runId))!;
    expect(record.status).toBe('failed');
    expect(statusCounts(record)).toEqual({ failed: 1, skipped: N - 1 });
    expect(record.nodes.n99999.error).toBe('upstream node n0 failed');
    expect(events.at(-1)).toMatchObject({ type: 'run.finished', status: 'failed' });
  }, 600_000);

  it('runs a fan of one source into 100,000 nodes, and its cached re-run', async () => {
    const flow = fan(N);
    const first = await atelier.runs.run({ flow });
    expect(first.status).toBe('succeeded');
    expect(statusCounts(first)).toEqual({ succeeded: N + 1 });
    expect(first.nodes.f99999.outputs.value).toBe(2);
    const cached = await atelier.runs.run({ flow });
    expect(Object.values(cached.nodes).every((n) => n.cached)).toBe(true);
  }, 600_000);
});

describe('an unexpected error in the run path', () => {
  it('fails that run with run.finished {status: failed, error}, leaves every node final, and later runs work', async () => {
    const runs = atelier.store.runs;
    const append = runs.append.bind(runs);
    let finished = 0;
    runs.append = (runId, event) => {
      if (event.type === 'node.finished' && ++finished === 3) throw new Error('disk I/O error');
      append(runId, event);
    };
    const runId = atelier.runs.start({ flow: chain(10) });
    const events = collect(runId);
    const record = (await atelier.runs.wait(runId))!;
    expect(record.status).toBe('failed');
    expect(record.error).toBe('disk I/O error');
    expect(events.at(-1)).toMatchObject({ type: 'run.finished', status: 'failed', error: 'disk I/O error' });
    expect(Object.values(record.nodes).every((n) => ['succeeded', 'failed', 'skipped'].includes(n.status))).toBe(true);
    expect(record.nodes.n9).toMatchObject({ status: 'skipped', error: 'run stopped: disk I/O error' });

    const again = await atelier.runs.run({ flow: chain(10) });
    expect(again.status).toBe('succeeded');
  });
});

describe('single-flight', () => {
  it('executes identical nodes of 200 concurrent runs once; the others report cached with sharedWith', async () => {
    const flow = chain(5);
    const ids = Array.from({ length: 200 }, () => atelier.runs.start({ flow }));
    const records = await Promise.all(ids.map((id) => atelier.runs.wait(id)));
    expect(records.every((r) => r!.status === 'succeeded' && r!.outputs.last === 5)).toBe(true);
    for (let i = 0; i < 5; i++) expect(calls.get(`number:n${i}`)).toBe(1);
    for (let i = 0; i < 5; i++) {
      const nodeId = `n${i}`;
      const executed = records.filter((r) => !r!.nodes[nodeId].cached);
      expect(executed).toHaveLength(1);
      // the others shared that execution, or (arriving after it ended) found its result in the cache
      const shared = records.filter((r) => r!.nodes[nodeId].sharedWith !== undefined);
      for (const record of shared) expect(record!.nodes[nodeId]).toMatchObject({ status: 'succeeded', cached: true, sharedWith: executed[0]!.id });
      // The first turn admits DEFAULT_RUNS_PER_TURN runs: they share the head node's execution; runs
      // admitted in later turns find its result in the cache.
      if (i === 0) {
        expect(shared).toHaveLength(DEFAULT_RUNS_PER_TURN - 1);
        expect(records.filter((r) => r!.nodes[nodeId].cached && r!.nodes[nodeId].sharedWith === undefined)).toHaveLength(200 - DEFAULT_RUNS_PER_TURN);
      }
    }
  });

  it('executes each node of 200 concurrent local-image-pipeline runs once', async () => {
    const executions = new Map<string, number>();
    const counted = builtinNodes.map((def): AnyNodeDefinition => ({
      ...def,
      run: (ctx, inputs, params) => {
        executions.set(def.type, (executions.get(def.type) ?? 0) + 1);
        return def.run(ctx, inputs, params);
      },
    }));
    const store = openStore(join(dir, 'pipeline-data'));
    const runs = new RunManager({ registry: new NodeRegistry(counted), store, credentials: { get: () => undefined }, assets: assetFiles('flows/assets') });
    try {
      const flow = FlowSchema.parse(JSON.parse(readFileSync('flows/local-image-pipeline.json', 'utf8')));
      const ids = Array.from({ length: 200 }, () => runs.start({ flow, flowId: 'local-image-pipeline' }));
      const records = await Promise.all(ids.map((id) => runs.wait(id)));
      expect(records.every((r) => r!.status === 'succeeded')).toBe(true);
      expect(Object.fromEntries(executions)).toEqual(Object.fromEntries(flow.nodes.map((n) => [n.type, 1])));
      const cutouts = new Set(records.map((r) => (r!.outputs.cutout as { artifact: string }).artifact));
      expect(cutouts.size).toBe(1);
      // Which run executes a node is whichever claims it first; every other run shares that execution
      // or, admitted after it ended, finds its result in the cache.
      const executed = records.filter((r) => !r!.nodes.apply.cached);
      expect(executed).toHaveLength(1);
      const others = records.filter((r) => r !== executed[0]);
      for (const record of others) expect(record!.nodes.apply.status).toBe('succeeded');
      expect(others.filter((r) => r!.nodes.apply.sharedWith !== undefined && r!.nodes.apply.sharedWith !== executed[0]!.id)).toEqual([]);
    } finally {
      await runs.shutdown();
      store.close();
    }
  }, 120_000);

  it('works with a single-flight backend that answers claims asynchronously (as a shared one would)', async () => {
    const local = new LocalSingleFlight();
    const store = openStore(join(dir, 'async-flights'));
    const runs = new RunManager({
      registry: atelier.registry,
      store,
      credentials: { get: () => undefined },
      assets: assetFiles('flows/assets'),
      flights: { claim: async (key, runId) => local.claim(key, runId) },
    });
    try {
      const ids = Array.from({ length: 50 }, () => runs.start({ flow: chain(3) }));
      const records = await Promise.all(ids.map((id) => runs.wait(id)));
      expect(records.every((r) => r!.status === 'succeeded' && r!.outputs.last === 3)).toBe(true);
      for (let i = 0; i < 3; i++) expect(calls.get(`number:n${i}`)).toBe(1);
      expect(local.size).toBe(0);
    } finally {
      await runs.shutdown();
      store.close();
    }
  });

  it('shares a failure instead of executing it again for every run', async () => {
    const flow = buildFlow([['bad', 'test.fail', { message: 'quota' }], ['after', 'test.number']], ['bad.value -> after.add']);
    // As many as one turn admits: runs admitted after the failure settled try again (a failure is not cached).
    const ids = Array.from({ length: DEFAULT_RUNS_PER_TURN }, () => atelier.runs.start({ flow }));
    const records = await Promise.all(ids.map((id) => atelier.runs.wait(id)));
    expect(calls.get('fail:bad')).toBe(1);
    expect(records.every((r) => r!.status === 'failed' && r!.nodes.bad.error === 'quota' && r!.nodes.after.status === 'skipped')).toBe(true);
    expect(records.filter((r) => r!.nodes.bad.sharedWith === ids[0])).toHaveLength(DEFAULT_RUNS_PER_TURN - 1);
  });

  it('lets a follower execute the node itself when the leading run is cancelled', async () => {
    const flow = buildFlow([['w', 'test.wait', { tag: 'x' }]]);
    flow.nodes[0].pinned = true; // pinned: reusable, so runs may share it
    const leader = atelier.runs.start({ flow });
    await gate.waitForStarted(1);
    const follower = atelier.runs.start({ flow });
    atelier.runs.cancel(leader);
    expect((await atelier.runs.wait(leader))!.status).toBe('cancelled');
    await gate.waitForStarted(2);
    gate.release();
    const record = (await atelier.runs.wait(follower))!;
    expect(record.nodes.w).toMatchObject({ status: 'succeeded', cached: false });
    expect(record.nodes.w.sharedWith).toBeUndefined();
  });

  it('does not share non-deterministic executions', async () => {
    const flow = buildFlow([['w', 'test.wait', { ms: 1 }]]);
    const ids = [atelier.runs.start({ flow }), atelier.runs.start({ flow })];
    await Promise.all(ids.map((id) => atelier.runs.wait(id)));
    expect(gate.started).toHaveLength(2);
  });
});

describe('node-declared cache keys', () => {
  it('folds a synchronous cacheKey into the key: a changed backend runs again, the same one is cached', async () => {
    const flow = buildFlow([['k', 'test.keyed']]);
    expect((await atelier.runs.run({ flow })).nodes.k).toMatchObject({ cached: false, outputs: { value: 'local:1' } });
    expect((await atelier.runs.run({ flow })).nodes.k.cached).toBe(true);
    backend = 'remote:sam2@v2';
    expect((await atelier.runs.run({ flow })).nodes.k).toMatchObject({ cached: false, outputs: { value: 'remote:sam2@v2' } });
    backend = 'local:1';
    expect((await atelier.runs.run({ flow })).nodes.k).toMatchObject({ cached: true, outputs: { value: 'local:1' } });
    expect(calls.get('keyed:k')).toBe(2);
    expect(keyCalls).toBe(4);
  });

  it('keeps a result the node calls off (skipCache) out of the cache, and says why', async () => {
    backend = 'remote:sam2@v2';
    const flow = buildFlow([['k', 'test.keyed', { mode: 'fell-back' }]]);
    const first = await atelier.runs.run({ flow });
    expect(first.nodes.k).toMatchObject({ cached: false, outputs: { value: 'local:1' }, meta: { notCached: 'the service failed mid-run' } });
    expect((await atelier.runs.run({ flow })).nodes.k.cached).toBe(false);
    expect(calls.get('keyed:k')).toBe(2);
  });

  it('awaits an asynchronous cacheKey the same way', async () => {
    const flow = buildFlow([['k', 'test.keyed', { mode: 'async' }], ['after', 'test.number']]);
    expect((await atelier.runs.run({ flow })).nodes.k.cached).toBe(false);
    expect((await atelier.runs.run({ flow })).nodes.k.cached).toBe(true);
    backend = 'remote:lgm@v1';
    expect((await atelier.runs.run({ flow })).nodes.k.cached).toBe(false);
  });

  it('fails the node with a clear error when cacheKey throws, rejects or returns no string', async () => {
    for (const [mode, message] of [
      ['throw', 'test.keyed: could not compute the cache key: service probe failed'],
      ['reject', 'test.keyed: could not compute the cache key: health check timed out'],
      ['number', 'test.keyed: cacheKey must return a string, got number'],
    ]) {
      const record = await atelier.runs.run({ flow: buildFlow([['k', 'test.keyed', { mode }], ['ok', 'test.number']]) });
      expect(record.status).toBe('failed');
      expect(record.nodes.k).toMatchObject({ status: 'failed', error: message });
      expect(record.nodes.ok.status).toBe('succeeded');
    }
    expect(calls.has('keyed:k')).toBe(false);
  });
});

describe('outputs checked against the declared ports', () => {
  it.each([
    [{ value: 1, extra: 2 }, 'test.liar returned an undeclared output "extra" (it declares: value, label)', 'extra'],
    [{ label: 'x' }, 'test.liar returned no value for output "value"', 'value'],
    [{ value: '1' }, 'test.liar output "value" must be a number, got string', 'value'],
    [{ value: 1, label: 3 }, 'test.liar output "label" must be a string, got number', 'label'],
  ])('fails the node naming the port: %j', async (outputs, message, field) => {
    const runId = atelier.runs.start({ flow: buildFlow([['l', 'test.liar', { outputs }]]) });
    const events = collect(runId);
    const record = (await atelier.runs.wait(runId))!;
    expect(record.nodes.l).toMatchObject({ status: 'failed', error: message });
    expect(events.find((e) => e.type === 'node.failed')).toMatchObject({ field });
  });

  it('accepts a missing optional output', async () => {
    const record = await atelier.runs.run({ flow: buildFlow([['l', 'test.liar', { outputs: { value: 1 } }]]) });
    expect(record.nodes.l).toMatchObject({ status: 'succeeded', outputs: { value: 1 } });
  });
});
