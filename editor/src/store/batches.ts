// Sweeps: a values editor's text becomes a list of values; a batch runs the flow once per
// combination (POST /api/batches) and is polled until it ends.
import type { Flow } from '../../../model/flow';
import { request } from '../api/client';
export { MAX_SWEEP_RUNS, parseSweepValues } from '../flows-features/sweep-values';

export interface BatchRunView {
  runId: string;
  inputs: Record<string, unknown>;
  sweep: Record<string, unknown>;
  status: string;
  outputs: Record<string, unknown>;
  costUsd?: number | null;
}

export interface BatchView {
  id: string;
  status: 'running' | 'succeeded' | 'failed' | 'cancelled';
  mode: 'product' | 'zip';
  axes: Array<{ name: string; values: unknown[] }>;
  costUsd?: number | null;
  runs: BatchRunView[];
}

export function startBatch(flow: Flow, sweep: Record<string, unknown[]>, mode: 'product' | 'zip'): Promise<{ batchId: string; runIds: string[] }> {
  return request('POST', '/api/batches', { flow, sweep, mode });
}

export function getBatch(id: string): Promise<BatchView> {
  return request('GET', `/api/batches/${encodeURIComponent(id)}`);
}

/** Polls until the batch has ended, reporting each view; stops (rejecting) when `signal` aborts. */
export async function followBatch(id: string, onView: (view: BatchView) => void, signal: AbortSignal, intervalMs = 600): Promise<BatchView> {
  for (;;) {
    if (signal.aborted) throw new Error('stopped following the batch');
    const view = await getBatch(id);
    onView(view);
    if (view.status !== 'running') return view;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Where a run sits in the grid: its value index on each axis (zip: all axes share the run's index). */
export function cellOf(view: BatchView, run: BatchRunView): number[] {
  return view.axes.map((axis) => axis.values.findIndex((v) => JSON.stringify(v) === JSON.stringify(run.sweep[axis.name])));
}
