// One Atelier measurement for bench/peer.ts, which runs it compiled as the shipped code is
// (scripts/bundle-options.js), each time in a fresh process. Prints its figures as JSON.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAtelier } from '../runtime/atelier';
import type { AnyNodeDefinition } from '../nodes/api';
import { increment } from './chain-flow';
import { Salts, backToBackBursts, chainRuns } from './engine-headline';
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
  const { runsPerSec, cpuUsPerRun } = await backToBackBursts(atelier, salts);
  const cpu = cpuUsPerRun && { mainCpuUsPerRun: cpuUsPerRun.main, otherThreadsCpuUsPerRun: cpuUsPerRun.otherThreads };
  const figures: AtelierFigures = { usPerNode: median(perNodeUs), runsPerSec: median(runsPerSec), ...cpu };
  console.log(JSON.stringify(figures));
} finally {
  await atelier.close();
  rmSync(dir, { recursive: true, force: true });
}
