// The two engine figures issue 9 states against Node-RED: the cost per node of a 1000-node chain run,
// and ten-node runs a second when they are all started back to back (as Node-RED's throughput10 injects
// its messages). bench/engine.ts prints them among its other figures; bench/peer.ts measures them
// beside Node-RED itself.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Atelier } from '../runtime/atelier';
import { chain } from './chain-flow';
import { threadTimes } from './proc-stat';

/** A new salt for every flow, so every node's cache key is new (runs nothing from the cache). */
export class Salts {
  private last = 0;

  next(): number {
    return ++this.last;
  }
}

/** Wall time including one event-loop turn, so the batched SQLite writes of a run are counted too. */
export async function timeUs(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  await nextTurn();
  return (performance.now() - start) * 1000;
}

export function check(n: unknown, expected: number): void {
  if (n !== expected) throw new Error(`bench flow computed ${String(n)}, expected ${expected}`);
}

export const CHAIN_LENGTH = 1000;

/**
 * Runs and re-runs (every node cached) of a new 1000-node chain before the measured ones. Warming up
 * with the runs alone (fifteen, until 2026-12) left V8 compiling the re-runs' path and the cache's
 * first batch of rows (20,000, store/cache.ts) during the measured runs: traced with --trace-opt,
 * 450–540 ms of TurboFan compile fell among them then, ~300 ms with fifteen pairs of run and re-run.
 * Twenty-five pairs write 25,000 rows, so the first batch is written while warming up: 155–185 ms.
 */
const WARM_UP_CHAIN_PAIRS = 25;

/**
 * Fifteen 1000-node chain runs after WARM_UP_CHAIN_PAIRS: each one's cost per node, and its re-run
 * (every node cached) in ms.
 */
export async function chainRuns(atelier: Atelier, salts: Salts): Promise<{ perNodeUs: number[]; cachedMs: number[] }> {
  for (let i = 0; i < WARM_UP_CHAIN_PAIRS; i++) {
    const flow = chain(CHAIN_LENGTH, salts.next());
    await atelier.runs.run({ flow });
    await atelier.runs.run({ flow });
  }
  const perNodeUs: number[] = [];
  const cachedMs: number[] = [];
  for (let i = 0; i < 15; i++) {
    const flow = chain(CHAIN_LENGTH, salts.next());
    let record!: Awaited<ReturnType<typeof atelier.runs.run>>;
    perNodeUs.push((await timeUs(async () => (record = await atelier.runs.run({ flow })))) / CHAIN_LENGTH);
    check(record.outputs.n, CHAIN_LENGTH);
    cachedMs.push((await timeUs(async () => (record = await atelier.runs.run({ flow })))) / 1000);
    if (!Object.values(record.nodes).every((n) => n.cached)) throw new Error('re-run of an unchanged flow ran a node');
  }
  return { perNodeUs, cachedMs };
}

export const BURST_RUNS = 2000;

/** Seven: on these shared machines one burst's rate varies ±30% with nothing changed; the median of three moved by as much between identical runs of this benchmark. */
const MEASURED_BURSTS = 7;

/**
 * Three: V8 was still compiling the burst path in the background after one. Traced with --trace-opt
 * after chainRuns, the first burst took ~550–690 ms of TurboFan compile on the helper threads, the
 * second ~210–290 ms, the third to fifth 16–66 ms each, later ones 0–16 ms; on two cores that compile
 * competes with the run itself, so a single warm-up burst left the first measured burst still warming up.
 */
const WARM_UP_BURSTS = 3;

export interface BackToBackFigures {
  runsPerSec: number[];
  stallMs: number[];
  startLoopMs: number[];
  /** CPU per run of the measured bursts on the main thread and on every other one (the writer, the checkpointer, V8's GC helpers); undefined off Linux. */
  cpuUsPerRun?: { main: number; otherThreads: number };
}

/**
 * MEASURED_BURSTS bursts of BURST_RUNS ten-node runs, each started back to back then awaited, after
 * WARM_UP_BURSTS more that warm up what chainRuns does not run (the admission queue, the writer thread's batches,
 * the cache's batched rows), as chainRuns warms up its own: runs a second, the longest event-loop stall
 * while they ran, and how long the caller's own loop starting them took.
 */
export async function backToBackBursts(atelier: Atelier, salts: Salts): Promise<BackToBackFigures> {
  for (let i = 0; i < WARM_UP_BURSTS; i++) await burst(atelier, salts);
  const figures: BackToBackFigures = { runsPerSec: [], stallMs: [], startLoopMs: [] };
  const before = threadTimes(process.pid);
  for (let i = 0; i < MEASURED_BURSTS; i++) {
    const { runsPerSec, stallMs, startLoopMs } = await burst(atelier, salts);
    figures.runsPerSec.push(runsPerSec);
    figures.stallMs.push(stallMs);
    figures.startLoopMs.push(startLoopMs);
  }
  const cpu = cpuSplit(before, threadTimes(process.pid), MEASURED_BURSTS * BURST_RUNS);
  if (cpu) figures.cpuUsPerRun = cpu;
  return figures;
}

async function burst(atelier: Atelier, salts: Salts): Promise<{ runsPerSec: number; stallMs: number; startLoopMs: number }> {
  const flows = Array.from({ length: BURST_RUNS }, () => chain(10, salts.next()));
  const stalls = monitorEventLoopDelay({ resolution: 1 });
  stalls.enable();
  let startLoopMs = 0;
  const us = await timeUs(async () => {
    const started = performance.now();
    const pending = flows.map((flow) => atelier.runs.run({ flow }));
    startLoopMs = performance.now() - started;
    const records = await Promise.all(pending);
    if (!records.every((r) => r.status === 'succeeded' && r.outputs.n === 10)) throw new Error('a back-to-back run did not compute 10');
  });
  // A stall is recorded when the monitor's timer fires after it: let it fire once more.
  await new Promise((resolve) => setTimeout(resolve, 5));
  stalls.disable();
  return { runsPerSec: BURST_RUNS / (us / 1e6), stallMs: stalls.max / 1e6, startLoopMs };
}

type ThreadTimes = ReturnType<typeof threadTimes>;

function cpuSplit(before: ThreadTimes, after: ThreadTimes, runs: number): BackToBackFigures['cpuUsPerRun'] {
  if (!before || !after) return undefined;
  let mainMs = 0;
  let otherMs = 0;
  for (const [tid, { ms }] of after) {
    const used = ms - (before.get(tid)?.ms ?? 0);
    if (tid === String(process.pid)) mainMs += used;
    else otherMs += used;
  }
  return { main: (mainMs * 1000) / runs, otherThreads: (otherMs * 1000) / runs };
}
