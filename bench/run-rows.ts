// What a burst of runs costs the store's commits, by run id: this process's ids (counting up within a
// second) beside ids whose last 8 hex digits are random (as before). Runs are written as a burst of
// ten-node runs is in bench/engine: a commit holds the rows of 550 runs just started (the run's row,
// its run.queued event) and the end of the 550 started a commit before (its record, its other 22
// events), through the real RunStore and SQLite file.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Flow } from '../model/flow';
import type { RunEvent, RunRecord } from '../model/events';
import { runIdMaker } from '../runtime/engine/run-id';
import { openStore } from '../runtime/store';
import { median, printTable } from './table';

const RUNS_PER_COMMIT = 550;
const COMMITS = 40;
const NODES = 10;

function tenNodeRun(id: string, startedAt: string): { record: RunRecord; flow: Flow; events: RunEvent[] } {
  const nodes = Array.from({ length: NODES }, (_, i) => ({ id: `n${i}`, type: 'bench.inc', position: { x: i * 10, y: 0 }, params: { salt: i } }));
  const edges = nodes.slice(1).map((n, i) => ({ id: `e${i}`, source: `n${i}`, sourceHandle: 'n', target: n.id, targetHandle: 'n' }));
  const flow: Flow = { format: 'atelier.flow/1', name: 'chain', revision: 0, inputs: {}, outputs: {}, nodes, edges };
  const record: RunRecord = { id, status: 'queued', startedAt, outputs: {}, nodes: {} };
  const events: RunEvent[] = [];
  const add = (body: Record<string, unknown>) => events.push({ ...body, runId: id, seq: events.length + 1, ts: startedAt } as RunEvent);
  add({ type: 'run.queued', nodes: nodes.map((n) => n.id) });
  add({ type: 'run.started' });
  for (let i = 0; i < NODES; i++) {
    add({ type: 'node.started', nodeId: `n${i}` });
    add({ type: 'node.finished', nodeId: `n${i}`, cached: false, durationMs: 0.02, outputs: { n: i + 1 } });
  }
  add({ type: 'run.finished', status: 'succeeded', outputs: { n: NODES } });
  return { record, flow, events };
}

async function commitUs(nextId: () => string): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'atelier-bench-'));
  const store = openStore(dir);
  try {
    const perRun: number[] = [];
    let started: Array<ReturnType<typeof tenNodeRun>> = [];
    for (let commit = 0; commit < COMMITS; commit++) {
      const startedAt = new Date().toISOString();
      for (const { record, events } of started) {
        for (const event of events.slice(1)) store.runs.appendEvent(event);
        for (let i = 0; i < NODES; i++) record.nodes[`n${i}`] = { status: 'succeeded', cached: false, durationMs: 0.02, outputs: { n: i + 1 } };
        Object.assign(record, { status: 'succeeded', finishedAt: startedAt, outputs: { n: NODES } });
        store.runs.save(record);
      }
      started = Array.from({ length: RUNS_PER_COMMIT }, () => tenNodeRun(nextId(), startedAt));
      for (const { record, flow, events } of started) {
        store.runs.create(record, flow);
        store.runs.appendEvent(events[0]);
      }
      const start = performance.now();
      store.writes.flush();
      perRun.push(((performance.now() - start) * 1000) / RUNS_PER_COMMIT);
    }
    return median(perRun.slice(5));
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function bench(): Promise<Record<string, number>> {
  const stamp = () => new Date().toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
  // Drawn again on a repeat: ~5,000 ids a second from 2^32 repeat in a few percent of benchmark runs (SQLite then refused the batch).
  const usedRandomIds = new Set<string>();
  const randomIds = () => {
    let id: string;
    do id = `${stamp()}-${randomBytes(4).toString('hex')}`;
    while (usedRandomIds.has(id));
    usedRandomIds.add(id);
    return id;
  };
  // Alternated, each kind three times on a fresh data dir: the median of the three medians.
  const counting: number[] = [];
  const random: number[] = [];
  for (let round = 0; round < 3; round++) {
    counting.push(await commitUs(runIdMaker()));
    random.push(await commitUs(randomIds));
  }
  const result = { runRowsCommitUs: median(counting), runRowsCommitRandomIdsUs: median(random) };
  printTable(`a ten-node run's rows in a commit of ${RUNS_PER_COMMIT} (median)`, [
    { name: 'run ids counting up', value: result.runRowsCommitUs, unit: 'µs/run', baseline: { name: 'random run ids', value: result.runRowsCommitRandomIdsUs }, target: '< ×0.8' },
  ]);
  return result;
}
