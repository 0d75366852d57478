// One Atelier measurement for bench/peer.ts, which runs it compiled as the shipped code is
// (scripts/bundle-options.js), each time in a fresh process. Prints its figures as JSON.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAtelier } from '../runtime/atelier';
import type { AnyNodeDefinition } from '../nodes/api';
import { increment } from './chain-flow';
import { BURST_RUNS, Salts, backToBackBursts, chainRuns } from './engine-headline';
import { threadTimes } from './proc-stat';
import { median } from './table';

export interface AtelierFigures {
  usPerNode: number;
  runsPerSec: number;
  /** Where Atelier's CPU went during its back-to-back bursts, per run (undefined off Linux). */
  mainCpuUsPerRun?: number;
  /** Every other thread: the writer, the checkpointer, V8's GC helpers. */
  otherThreadsCpuUsPerRun?: number;
}

const dir = mkdtempSync(join(tmpdir(), 'atelier-peer-'));
const atelier = createAtelier({ dataDir: dir, flowsDir: join(dir, 'flows'), nodes: [increment] as AnyNodeDefinition[], log: () => {} });
try {
  const salts = new Salts();
  const { perNodeUs } = await chainRuns(atelier, salts);
  const before = threadTimes(process.pid);
  const { runsPerSec } = await backToBackBursts(atelier, salts);
  const figures: AtelierFigures = { usPerNode: median(perNodeUs), runsPerSec: median(runsPerSec), ...cpuSplit(before, threadTimes(process.pid), runsPerSec.length * BURST_RUNS) };
  console.log(JSON.stringify(figures));
} finally {
  await atelier.close();
  rmSync(dir, { recursive: true, force: true });
}

function cpuSplit(before: ReturnType<typeof threadTimes>, after: ReturnType<typeof threadTimes>, runs: number): Partial<AtelierFigures> {
  if (!before || !after) return {};
  let mainMs = 0;
  let otherMs = 0;
  for (const [tid, { ms }] of after) {
    const used = ms - (before.get(tid)?.ms ?? 0);
    if (tid === String(process.pid)) mainMs += used;
    else otherMs += used;
  }
  return { mainCpuUsPerRun: (mainMs * 1000) / runs, otherThreadsCpuUsPerRun: (otherMs * 1000) / runs };
}
