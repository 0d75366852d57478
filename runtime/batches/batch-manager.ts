// Sweeps: one flow run once per combination of input values. The runs are ordinary runs (events,
// records, cancel) started together as queued; up to ATELIER_BATCH_CONCURRENCY of them execute at
// once, so independent work overlaps while shared upstream nodes execute once (the cache and
// single-flight serve the other runs). `batch.finished` follows the last run.
import { randomBytes } from 'node:crypto';
import type { Flow } from '../../model/flow';
import type { RunRecord } from '../../model/events';
import type { RunService } from '../queue/run-service';
import { ValidationFailed } from '../engine/run-manager';
import type { ValidationIssue } from '../engine/validate';
import type { BatchStore, StoredBatch } from '../store/batches';
import { expandSweep, type SweepMode } from './expand';
import { batchConcurrency, Slots } from './slots';

export interface BatchRequest {
  flow: Flow;
  flowId?: string;
  inputs?: Record<string, unknown>;
  sweep: Record<string, unknown[]>;
  mode?: SweepMode;
}

export type BatchStatus = 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface BatchRunView {
  runId: string;
  /** Every input the run got: the shared ones and its sweep values. */
  inputs: Record<string, unknown>;
  /** Only its sweep values (the grid position). */
  sweep: Record<string, unknown>;
  status: RunRecord['status'];
  outputs: Record<string, unknown>;
  costUsd?: number | null;
}

export interface BatchView {
  id: string;
  flowId?: string;
  status: BatchStatus;
  mode: SweepMode;
  axes: Array<{ name: string; values: unknown[] }>;
  inputs: Record<string, unknown>;
  createdAt: string;
  finishedAt?: string;
  /** Sum over runs; null when a run's cost is unknown (see prices.json). */
  costUsd?: number | null;
  runs: BatchRunView[];
}

export interface BatchFinishedEvent {
  type: 'batch.finished';
  batchId: string;
  status: BatchStatus;
  runIds: string[];
  costUsd?: number | null;
  ts: string;
}

type Listener = (event: BatchFinishedEvent) => void;

export class BatchManager {
  private readonly live = new Map<string, Promise<BatchView>>();
  private readonly listeners = new Set<Listener>();
  /** How many runs of one batch execute at once. */
  readonly concurrency: number;

  constructor(
    private readonly runs: RunService,
    private readonly store: BatchStore,
    env: NodeJS.ProcessEnv = {},
    private readonly log: (message: string) => void = () => {},
  ) {
    this.concurrency = batchConcurrency(env);
  }

  /** Validates every run first (a bad value fails the whole batch with a 400, naming the runs); then queues them all, `concurrency` running at a time. */
  start(request: BatchRequest): { batchId: string; runIds: string[] } {
    const mode = request.mode ?? 'product';
    const { axes, combos } = expandSweep(request.sweep, mode);
    const shared = request.inputs ?? {};
    const overlap = axes.find((a) => a.name in shared);
    if (overlap) throw new ValidationFailed([{ field: `inputs.${overlap.name}`, code: 'bad_binding', message: `"${overlap.name}" is both swept and given in inputs; give it in one place` }]);
    const nodes = this.checkAll(request, combos.map((combo) => ({ ...shared, ...combo })), combos);
    // All or none: a batch past the live-run budget is refused before its first run starts.
    this.runs.checkRoom(combos.length, nodes);

    const batchId = newBatchId();
    const runIds: string[] = [];
    const slots = new Slots(this.concurrency);
    for (const combo of combos) {
      const slot = slots.take();
      let runId: string;
      try {
        runId = this.runs.start({ flow: request.flow, flowId: request.flowId, inputs: { ...shared, ...combo }, after: slot.turn });
      } catch (error) {
        // A run that cannot start (the store failed): the ones already queued stop too.
        slot.release();
        for (const id of runIds) this.runs.cancel(id);
        throw error;
      }
      runIds.push(runId);
      // Settles either way (a cancelled run also ends), so its slot always comes back.
      void this.runs.wait(runId).finally(slot.release).catch(() => {});
    }
    this.store.create({ id: batchId, ...(request.flowId ? { flowId: request.flowId } : {}), mode, axes, inputs: shared, runs: runIds.map((runId, i) => ({ runId, sweep: combos[i] })), createdAt: new Date().toISOString() });
    const done = Promise.all(runIds.map((id) => this.runs.wait(id)))
      .then(() => this.finish(batchId, runIds))
      .finally(() => this.live.delete(batchId));
    // Often nobody waits for a batch: its failure is logged here, never left unhandled (that ends the process).
    done.catch((error: Error) => this.log(`batch ${batchId} could not be finished: ${error.message}`));
    this.live.set(batchId, done);
    return { batchId, runIds };
  }

  /** Its runs have ended: stores that (a store that cannot write is logged; the batch still finishes) and says so. */
  private finish(batchId: string, runIds: string[]): BatchView {
    const view = this.get(batchId)!;
    const ts = new Date().toISOString();
    try {
      this.store.markFinished(batchId, view.status, ts);
    } catch (error) {
      this.log(`batch ${batchId}: its end could not be stored (${(error as Error).message}); it is listed without finishedAt`);
    }
    this.live.delete(batchId);
    const event: BatchFinishedEvent = { type: 'batch.finished', batchId, status: view.status, runIds, ts, ...(view.costUsd !== undefined ? { costUsd: view.costUsd } : {}) };
    for (const listener of this.listeners) listener(event);
    return { ...view, finishedAt: ts };
  }

  get(batchId: string): BatchView | undefined {
    const batch = this.store.get(batchId);
    return batch && this.view(batch);
  }

  /** The finished batch (at once when it already is). */
  async wait(batchId: string): Promise<BatchView | undefined> {
    return this.live.get(batchId) ?? this.get(batchId);
  }

  isLive(batchId: string): boolean {
    return this.live.has(batchId);
  }

  cancel(batchId: string): BatchView | undefined {
    const batch = this.store.get(batchId);
    if (!batch) return undefined;
    for (const { runId } of batch.runs) this.runs.cancel(runId);
    return this.view(batch);
  }

  list(limit?: number): BatchView[] {
    return this.store.list(limit).map((b) => this.view(b));
  }

  /** Hears every batch.finished (the WebSocket's subscribe-runs channel and the batch SSE stream). */
  onFinished(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private view(batch: StoredBatch): BatchView {
    const runs: BatchRunView[] = batch.runs.map(({ runId, sweep }) => {
      const record = this.runs.get(runId);
      const cost = (record as { costUsd?: number | null } | undefined)?.costUsd;
      return {
        runId,
        inputs: { ...batch.inputs, ...sweep },
        sweep,
        status: record?.status ?? 'interrupted',
        outputs: record?.outputs ?? {},
        ...(cost !== undefined ? { costUsd: cost } : {}),
      };
    });
    const costs = runs.map((r) => r.costUsd);
    const view: BatchView = {
      id: batch.id,
      ...(batch.flowId ? { flowId: batch.flowId } : {}),
      status: batchStatus(runs.map((r) => r.status)),
      mode: batch.mode,
      axes: batch.axes,
      inputs: batch.inputs,
      createdAt: batch.createdAt,
      ...(batch.finishedAt ? { finishedAt: batch.finishedAt } : {}),
      runs,
    };
    if (costs.some((c) => c !== undefined)) view.costUsd = costs.some((c) => c === null) ? null : roundUsd(costs.reduce<number>((sum, c) => sum + (c ?? 0), 0));
    return view;
  }

  /** Prepares every run (throws ValidationFailed naming the runs a problem concerns); answers their nodes in all. */
  private checkAll(request: BatchRequest, inputs: Array<Record<string, unknown>>, combos: Array<Record<string, unknown>>): number {
    const found = new Map<string, { issue: ValidationIssue; runs: number[] }>();
    let nodes = 0;
    inputs.forEach((values, i) => {
      try {
        nodes += this.runs.prepare({ flow: request.flow, flowId: request.flowId, inputs: values }).plan.nodes.size;
      } catch (error) {
        if (!(error instanceof ValidationFailed)) throw error;
        for (const issue of error.issues) {
          const key = `${issue.nodeId}\u0000${issue.field}\u0000${issue.code}\u0000${issue.message}`;
          (found.get(key) ?? found.set(key, { issue, runs: [] }).get(key)!).runs.push(i);
        }
      }
    });
    if (found.size === 0) return nodes;
    const issues = [...found.values()].map(({ issue, runs }) =>
      runs.length === inputs.length ? issue : { ...issue, message: `${runs.map((i) => `run ${i + 1} (${label(combos[i])})`).join(', ')}: ${issue.message}` },
    );
    throw new ValidationFailed(issues);
  }
}

export function batchStatus(statuses: Array<RunRecord['status']>): BatchStatus {
  if (statuses.some((s) => s === 'queued' || s === 'running')) return 'running';
  if (statuses.some((s) => s === 'failed' || s === 'interrupted')) return 'failed';
  if (statuses.some((s) => s === 'cancelled')) return 'cancelled';
  return 'succeeded';
}

/** "seed=1, prompt=a fox" */
export function label(combo: Record<string, unknown>): string {
  return Object.entries(combo)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ');
}

function roundUsd(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

function newBatchId(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  return `b-${stamp}-${randomBytes(4).toString('hex')}`;
}
