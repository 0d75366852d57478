// Engine overhead: a 1000-node chain, a 50-wide diamond, a cached re-run and small-flow throughput
// (runs one after another, and runs started back to back as Node-RED's throughput10 injects messages),
// each beside a plain-JavaScript baseline measured in the same process; a 100,000-node chain beside
// 100 × the 1000-node figure; single-flight: executions for 200 concurrent identical pipeline runs;
// the longest cache write while the cache index grows to 300,000 keys; what a 1000-node run takes in SQLite.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { z } from 'zod';
import { defineNode, type AnyNodeDefinition, type PortSpec } from '../nodes/api';
import { createAtelier, type Atelier } from '../runtime/atelier';
import { openStore } from '../runtime/store';
import { FlowSchema, type Flow } from '../model/flow';
import { chain, increment } from './chain-flow';
import { median, printTable } from './table';
import { longestStall } from './stall';
import { BURST_RUNS, CHAIN_LENGTH, Salts, backToBackBursts, chainRuns, check, timeUs } from './engine-headline';

const sleep20 = defineNode({
  type: 'bench.sleep',
  title: 'Sleep 20 ms',
  category: 'bench',
  description: 'waits 20 ms',
  version: 1,
  inputs: { n: { type: 'number' } },
  outputs: { n: { type: 'number' } },
  params: z.object({ salt: z.number().default(0) }),
  deterministic: true,
  concurrency: { limit: 1000 },
  async run(_ctx, inputs) {
    await new Promise((r) => setTimeout(r, 20));
    return { n: inputs.n };
  },
});

const WIDTH = 50;
const joinInputs: Record<string, PortSpec> = {};
for (let i = 0; i < WIDTH; i++) joinInputs[`in${i}`] = { type: 'number' };
const join50 = defineNode({
  type: 'bench.join',
  title: 'Join',
  category: 'bench',
  description: 'sums 50 inputs',
  version: 1,
  inputs: joinInputs,
  outputs: { n: { type: 'number' } },
  params: z.object({}),
  deterministic: true,
  async run(_ctx, inputs) {
    return { n: Object.values(inputs).reduce((a: number, b) => a + (b as number), 0) };
  },
});

function diamond(salt: number): Flow {
  const nodes: Flow['nodes'] = [{ id: 'src', type: 'bench.inc', position: { x: 0, y: 0 }, params: { salt } }];
  const edges: Flow['edges'] = [];
  for (let i = 0; i < WIDTH; i++) {
    nodes.push({ id: `s${i}`, type: 'bench.sleep', position: { x: 100, y: i * 10 }, params: { salt } });
    edges.push({ id: `a${i}`, source: 'src', sourceHandle: 'n', target: `s${i}`, targetHandle: 'n' });
    edges.push({ id: `b${i}`, source: `s${i}`, sourceHandle: 'n', target: 'join', targetHandle: `in${i}` });
  }
  nodes.push({ id: 'join', type: 'bench.join', position: { x: 200, y: 0 }, params: {} });
  return { format: 'atelier.flow/1', name: 'diamond', revision: 0, inputs: {}, outputs: {}, nodes, edges };
}

async function awaitChain(length: number): Promise<number> {
  const inc = async (n: number) => n + 1;
  let n = 0;
  for (let i = 0; i < length; i++) n = await inc(n);
  return n;
}

async function immediateChain(length: number): Promise<number> {
  let n = 0;
  for (let i = 0; i < length; i++) {
    await nextTurn();
    n++;
  }
  return n;
}

export async function bench(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'atelier-bench-'));
  const atelier = createAtelier({ dataDir: dir, flowsDir: join(dir, 'flows'), nodes: [increment, sleep20, join50] as AnyNodeDefinition[], log: () => {} });
  try {
    const N = CHAIN_LENGTH;
    const salts = new Salts();
    const { perNodeUs: chainUs, cachedMs } = await chainRuns(atelier, salts);
    const stored = storedBytes(atelier, (await atelier.runs.run({ flow: chain(N, salts.next()) })).id);
    const awaitUs: number[] = [];
    const immediateUs: number[] = [];
    for (let i = 0; i < 7; i++) {
      awaitUs.push((await timeUs(() => awaitChain(N))) / N);
      immediateUs.push((await timeUs(() => immediateChain(N))) / N);
    }

    const diamondMs: number[] = [];
    const idealMs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const flow = diamond(salts.next());
      let record!: Awaited<ReturnType<typeof atelier.runs.run>>;
      diamondMs.push((await timeUs(async () => (record = await atelier.runs.run({ flow })))) / 1000);
      check(record.nodes.join.outputs.n, WIDTH);
      idealMs.push((await timeUs(() => Promise.all(Array.from({ length: WIDTH }, () => new Promise((r) => setTimeout(r, 20)))))) / 1000);
    }

    const RUNS = BURST_RUNS;
    const small = Array.from({ length: RUNS }, () => chain(10, salts.next()));
    const startSmall = performance.now();
    for (const flow of small) await atelier.runs.run({ flow });
    await nextTurn();
    const runsPerSec = RUNS / ((performance.now() - startSmall) / 1000);
    const awaitRunsPerSec = RUNS / ((await timeUs(async () => { for (let i = 0; i < RUNS; i++) await awaitChain(10); })) / 1e6);
    const { runsPerSec: backToBack, stallMs, startLoopMs } = await backToBackBursts(atelier, salts);
    const runsPerSecBackToBack = median(backToBack);

    // A 100,000-node chain, events on (stored, folded into the record): once, it takes seconds.
    const BIG = 100_000;
    let bigRecord!: Awaited<ReturnType<typeof atelier.runs.run>>;
    const bigFlow = chain(BIG, salts.next());
    const chain100kMs = (await timeUs(async () => (bigRecord = await atelier.runs.run({ flow: bigFlow })))) / 1000;
    check(bigRecord.outputs.n, BIG);
    // Following that run from its first event (what an editor opening it does): the longest stall while
    // its 200,000 stored events are replayed, beside reading and delivering them in one step.
    let replayed = 0;
    const replayStall100kMs = await longestStall(async () => {
      const subscription = atelier.runs.subscribe(bigRecord.id, 0, () => replayed++)!;
      if (await subscription.caughtUp) throw new Error('the replay of the 100,000-node run failed');
    });
    let delivered = 0;
    const replayOneStep100kMs = await longestStall(() => {
      for (const _event of atelier.store.runs.eventsSince(bigRecord.id, 0)) delivered++;
    });
    if (replayed !== delivered || replayed < 2 * BIG) throw new Error(`the replay delivered ${replayed} events, one step ${delivered}`);

    const singleFlight200 = await singleFlight(dir);
    const growth = cacheGrowth(dir);

    const result = {
      chain100kMs,
      chain100kLinearMs: (median(chainUs) * BIG) / 1000,
      replayStall100kMs,
      replayOneStep100kMs,
      singleFlight200: singleFlight200.executions,
      singleFlightNodes: singleFlight200.nodes,
      perNodeUs: median(chainUs),
      baselineAwaitUs: median(awaitUs),
      baselineImmediateUs: median(immediateUs),
      diamondMs: median(diamondMs),
      diamondIdealMs: median(idealMs),
      cachedRerunMs: median(cachedMs),
      runsPerSec,
      runsPerSecBackToBack,
      backToBackMaxStallMs: median(stallMs),
      backToBackStartLoopMs: median(startLoopMs),
      cacheGrowthMaxSetMs: growth.maxSetMs,
      cacheReadAllKeysMs: growth.readAllKeysMs,
      storedKbPerChainRun: stored.storedKb,
      jsonKbPerChainRun: stored.jsonKb,
    };
    printTable('Engine (events stored in SQLite, cache keys on)', [
      { name: `1000-node chain, per node`, value: result.perNodeUs, unit: 'µs', baseline: { name: 'setImmediate hop', value: result.baselineImmediateUs }, target: '≤ 10 µs (Node-RED 20–27, Rivet ~230)' },
      { name: `plain await chain, per hop`, value: result.baselineAwaitUs, unit: 'µs' },
      { name: `diamond 1→${WIDTH}×20 ms→join`, value: result.diamondMs, unit: 'ms', baseline: { name: 'Promise.all', value: result.diamondIdealMs }, target: '≤ ideal + 1 ms' },
      { name: `1000-node chain re-run, all cached`, value: result.cachedRerunMs, unit: 'ms', baseline: { name: 'uncached', value: (result.perNodeUs * N) / 1000 } },
      { name: `10-node chain runs, one after another`, value: runsPerSec, unit: 'runs/s', baseline: { name: 'plain await', value: awaitRunsPerSec }, target: '≥ 7,000–9,300 runs/s (Node-RED msgs/s)' },
      { name: `10-node chain runs, ${RUNS} started back to back`, value: runsPerSecBackToBack, unit: 'runs/s', baseline: { name: 'one after another', value: runsPerSec }, target: 'as Node-RED measures msgs/s' },
      { name: `longest event-loop stall, ${RUNS} back to back`, value: result.backToBackMaxStallMs, unit: 'ms', baseline: { name: 'caller starting them', value: result.backToBackStartLoopMs }, target: '≈ ×1 (runs start a turn at a time)' },
      { name: `100,000-node chain`, value: result.chain100kMs, unit: 'ms', baseline: { name: '100 × 1000-node', value: result.chain100kLinearMs }, target: '≈ ×1 (linear)' },
      { name: `longest stall replaying its events`, value: result.replayStall100kMs, unit: 'ms', baseline: { name: 'in one step', value: result.replayOneStep100kMs }, target: '≪ ×1 (a page per turn)' },
      { name: `longest cache write, growing to ${CACHE_GROWTH_KEYS / 1000}k keys`, value: result.cacheGrowthMaxSetMs, unit: 'ms', baseline: { name: 'reading every key once', value: result.cacheReadAllKeysMs }, target: '≪ ×1 (no re-read as it grows)' },
      { name: `1000-node chain run stored in SQLite`, value: result.storedKbPerChainRun, unit: 'KB', baseline: { name: 'its flow, record and events as JSON', value: result.jsonKbPerChainRun }, target: '≪ ×1 (large rows deflated)' },
      { name: `200 identical runs: executions`, value: result.singleFlight200, unit: 'runs', baseline: { name: 'nodes in the flow', value: result.singleFlightNodes }, target: '×1 (each node once)' },
    ]);
    return result;
  } finally {
    await atelier.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What a run's rows take in SQLite (flow, record, event batches), beside the same as JSON text. */
function storedBytes(atelier: Atelier, runId: string): { storedKb: number; jsonKb: number } {
  atelier.store.runs.flush();
  const db = atelier.store.db;
  const run = db.prepare<[string], { n: number }>('SELECT length(flow_json) + length(record_json) AS n FROM runs WHERE id = ?').get(runId)!.n;
  const events = db.prepare<[string], { n: number }>('SELECT SUM(length(json)) AS n FROM events WHERE run_id = ?').get(runId)!.n;
  const json = [atelier.store.runs.flowOf(runId), atelier.store.runs.get(runId), atelier.store.runs.eventsSince(runId)].reduce((sum, value) => sum + Buffer.byteLength(JSON.stringify(value)), 0);
  return { storedKb: (run + events) / 1000, jsonKb: json / 1000 };
}

const CACHE_GROWTH_KEYS = 300_000;

/**
 * The cache index growing to CACHE_GROWTH_KEYS keys (sha256-like, committed every 20,000): the longest
 * single write, beside reading every stored key once (what rebuilding its key filter used to stall for).
 */
function cacheGrowth(dir: string): { maxSetMs: number; readAllKeysMs: number } {
  const store = openStore(join(dir, 'cache-growth'));
  try {
    let maxSetMs = 0;
    for (let i = 0; i < CACHE_GROWTH_KEYS; i++) {
      const key = randomBytes(32).toString('hex');
      const started = performance.now();
      store.cache.set(key, 'bench.inc', { outputs: { n: i } });
      maxSetMs = Math.max(maxSetMs, performance.now() - started);
      if (i % 20_000 === 19_999) store.cache.flush();
    }
    store.cache.flush();
    const started = performance.now();
    let keys = 0;
    for (const key of store.db.prepare('SELECT key FROM cache').pluck().iterate()) if (key) keys++;
    const readAllKeysMs = performance.now() - started;
    if (keys !== CACHE_GROWTH_KEYS) throw new Error(`the cache holds ${keys} keys, expected ${CACHE_GROWTH_KEYS}`);
    return { maxSetMs, readAllKeysMs };
  } finally {
    store.close();
  }
}

/**
 * 200 concurrent runs of the shipped local-image-pipeline on a fresh data dir: how many node executions
 * happen. An execution ends in node.finished {cached: false} or a node.failed not shared from another run.
 */
async function singleFlight(dir: string): Promise<{ executions: number; nodes: number }> {
  const atelier = createAtelier({ dataDir: join(dir, 'single-flight'), flowsDir: 'flows', log: () => {} });
  try {
    const flow = FlowSchema.parse(JSON.parse(readFileSync('flows/local-image-pipeline.json', 'utf8')));
    let executions = 0;
    const ids = Array.from({ length: 200 }, () => atelier.runs.start({ flow, flowId: 'local-image-pipeline' }));
    for (const id of ids) {
      atelier.runs.subscribe(id, 0, (event) => {
        if ((event.type === 'node.finished' && !event.cached) || (event.type === 'node.failed' && !event.sharedWith)) executions++;
      });
    }
    const records = await Promise.all(ids.map((id) => atelier.runs.wait(id)));
    if (!records.every((r) => r?.status === 'succeeded')) throw new Error('a local-image-pipeline run did not succeed');
    return { executions, nodes: flow.nodes.length };
  } finally {
    await atelier.close();
  }
}
