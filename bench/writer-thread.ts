// Bursts of ten-node runs with the store's commits on its writer thread, beside the same bursts with
// every commit on the main connection (the writer stopped), alternated round by round on two fresh
// data dirs. A burst arrives as a server receives it: 100 runs started per event-loop turn, so the
// longest stall is the engine's and the commits', not one caller loop starting all 2,000.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { AnyNodeDefinition } from '../nodes/api';
import { createAtelier, type Atelier } from '../runtime/atelier';
import { chain, increment } from './chain-flow';
import { longestStall } from './stall';
import { median, printTable } from './table';

const RUNS = 2000;
const PER_TURN = 100;
const ROUNDS = 5;

let salt = 1;
const tenNodes = () => chain(10, salt++);

/** One burst: runs/s from the first start until every run is committed, and the longest stall meanwhile. */
async function burst(atelier: Atelier): Promise<{ runsPerSec: number; stallMs: number }> {
  const flows = Array.from({ length: RUNS }, tenNodes);
  let runsPerSec = 0;
  const stallMs = await longestStall(async () => {
    const started = performance.now();
    const pending: Array<Promise<unknown>> = [];
    for (let at = 0; at < RUNS; at += PER_TURN) {
      for (const flow of flows.slice(at, at + PER_TURN)) pending.push(atelier.runs.run({ flow }));
      await nextTurn();
    }
    const records = (await Promise.all(pending)) as Array<{ status: string }>;
    if (!records.every((r) => r.status === 'succeeded')) throw new Error('a run of the burst did not succeed');
    runsPerSec = RUNS / ((performance.now() - started) / 1000);
  });
  return { runsPerSec, stallMs };
}

async function threaded(atelier: Atelier): Promise<void> {
  const started = performance.now();
  while (!atelier.store.writes.threaded) {
    if (performance.now() - started > 10_000) throw new Error('the writer thread did not start within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export async function bench(): Promise<Record<string, number>> {
  const dirs = [mkdtempSync(join(tmpdir(), 'atelier-bench-')), mkdtempSync(join(tmpdir(), 'atelier-bench-'))];
  const open = (dir: string) => createAtelier({ dataDir: dir, flowsDir: join(dir, 'flows'), nodes: [increment] as AnyNodeDefinition[], log: () => {} });
  const thread = open(dirs[0]);
  const main = open(dirs[1]);
  try {
    await threaded(thread);
    main.store.writes.stop(); // every commit on the main connection from here on
    const rounds = { thread: [] as Array<{ runsPerSec: number; stallMs: number }>, main: [] as Array<{ runsPerSec: number; stallMs: number }> };
    await burst(thread); // warm-up: the JIT settles before timing
    await burst(main);
    for (let i = 0; i < ROUNDS; i++) {
      rounds.thread.push(await burst(thread));
      rounds.main.push(await burst(main));
    }
    if (main.store.writes.threaded) throw new Error('the baseline committed on a writer thread');
    const result = {
      writerThreadRunsPerSec: median(rounds.thread.map((r) => r.runsPerSec)),
      mainCommitRunsPerSec: median(rounds.main.map((r) => r.runsPerSec)),
      writerThreadMaxStallMs: median(rounds.thread.map((r) => r.stallMs)),
      mainCommitMaxStallMs: median(rounds.main.map((r) => r.stallMs)),
    };
    printTable(`Writer thread (${RUNS} ten-node runs, ${PER_TURN} started per turn)`, [
      { name: 'runs/s, commits on the writer thread', value: result.writerThreadRunsPerSec, unit: 'runs/s', baseline: { name: 'on the main connection', value: result.mainCommitRunsPerSec }, target: '≥ ×1 (2 cores: both threads share them)' },
      { name: 'longest event-loop stall', value: result.writerThreadMaxStallMs, unit: 'ms', baseline: { name: 'on the main connection', value: result.mainCommitMaxStallMs }, target: '< ×1 (commits off the loop)' },
    ]);
    return result;
  } finally {
    await thread.close();
    await main.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}
