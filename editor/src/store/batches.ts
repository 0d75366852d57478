// Sweeps: a values editor's text becomes a list of values; a batch runs the flow once per
// combination (POST /api/batches) and is polled until it ends.
import type { Flow } from '../../../model/flow';
import { request } from '../api/client';

/** The server's cap on runs in one batch. */
export const MAX_SWEEP_RUNS = 256;

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

const RANGE = /^(-?\d+)\s*\.\.\s*(-?\d+)$/;

function parseValue(text: string): unknown {
  const number = Number(text);
  return text !== '' && Number.isFinite(number) ? number : text;
}

/**
 * One value per line (numbers stay numbers), or a single integer range `1..8`. Blank lines are
 * skipped. Throws an Error naming the problem (a range beyond the run cap, nothing given).
 */
export function parseSweepValues(text: string): unknown[] {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const range = lines.length === 1 ? RANGE.exec(lines[0]) : null;
  if (range) {
    const [from, to] = [Number(range[1]), Number(range[2])];
    const count = Math.abs(to - from) + 1;
    if (count > MAX_SWEEP_RUNS) throw new Error(`the range ${lines[0]} has ${count} values; a sweep runs at most ${MAX_SWEEP_RUNS}`);
    const step = to >= from ? 1 : -1;
    return Array.from({ length: count }, (_, i) => from + i * step);
  }
  if (lines.length > MAX_SWEEP_RUNS) throw new Error(`${lines.length} values; a sweep runs at most ${MAX_SWEEP_RUNS}`);
  return lines.map(parseValue);
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
