// `atelier run <flow> --sweep a=… [--sweep b=…] --out DIR`: the batch runs here; DIR gets one folder per
// run (its outputs, PNGs with the flow embedded), index.json and grid.png.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isArtifact } from '../../model/artifact';
import type { Atelier } from '../atelier';
import { label } from '../batches/batch-manager';
import type { SweepMode } from '../batches/expand';
import type { Flow } from '../../model/flow';
import { outputFileBytes } from '../flow-png';
import { contactSheet, type SheetRun } from './grid';
import { writeOutputs } from './write-outputs';

export interface SweepRunOptions {
  flow: Flow;
  flowId?: string;
  inputs: Record<string, unknown>;
  sweep: Record<string, unknown[]>;
  mode: SweepMode;
  outDir: string;
  print(line: string): void;
}

/** Returns the exit code: 0 when every run succeeded. */
export async function runSweep(atelier: Atelier, options: SweepRunOptions): Promise<number> {
  const { batchId, runIds } = atelier.batches.start({ flow: options.flow, flowId: options.flowId, inputs: options.inputs, sweep: options.sweep, mode: options.mode });
  options.print(`batch ${batchId}: ${runIds.length} runs`);
  const listening = runIds.map((runId, i) =>
    atelier.runs.subscribe(runId, 0, (event) => {
      if (event.type === 'run.finished') options.print(`  run ${i + 1}/${runIds.length} ${event.status}`);
    }),
  );
  const batch = (await atelier.batches.wait(batchId))!;
  for (const subscription of listening) subscription?.stop();

  mkdirSync(options.outDir, { recursive: true });
  const width = String(batch.runs.length).length;
  const index = [];
  const sheet: SheetRun[] = [];
  for (const [i, run] of batch.runs.entries()) {
    const dir = `${String(i + 1).padStart(width, '0')}-${slug(label(run.sweep))}`;
    const record = atelier.runs.get(run.runId)!;
    const files = await writeOutputs(record, join(options.outDir, dir), atelier.store.artifacts, (name, artifact, bytes) => outputFileBytes(atelier.store, atelier.registry, record, name, artifact, bytes));
    index.push({ dir, runId: run.runId, sweep: run.sweep, inputs: run.inputs, status: run.status, ...(run.costUsd !== undefined ? { costUsd: run.costUsd } : {}), files: files.map((f) => f.slice(options.outDir.length + 1)) });
    const image = Object.values(record.outputs).find((v) => isArtifact(v) && v.mediaType.startsWith('image/'));
    sheet.push({ sweep: run.sweep, ...(isArtifact(image) ? { image: await atelier.store.artifacts.read(image) } : {}) });
  }
  const summary = { batchId, flowId: batch.flowId, status: batch.status, mode: batch.mode, axes: batch.axes, inputs: batch.inputs, ...(batch.costUsd !== undefined ? { costUsd: batch.costUsd } : {}), runs: index };
  writeFileSync(join(options.outDir, 'index.json'), JSON.stringify(summary, null, 2) + '\n');
  writeFileSync(join(options.outDir, 'grid.png'), await contactSheet(batch.axes, sheet, batch.mode));
  options.print(`wrote ${join(options.outDir, 'index.json')} and ${join(options.outDir, 'grid.png')}`);
  options.print(`batch ${batchId} ${batch.status}; ${batchCost(batch.costUsd)}`);
  return batch.status === 'succeeded' ? 0 : 1;
}

function batchCost(costUsd: number | null | undefined): string {
  if (costUsd === undefined) return 'cost: $0 (no provider calls)';
  if (costUsd === null) return 'cost: unknown — a model has no list price (see prices.json / ATELIER_PRICES)';
  return `cost: $${costUsd.toFixed(4)}`;
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9.=-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 48) || 'run';
}
