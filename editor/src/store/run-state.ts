// The editor's view of a run: the run record folded from events by the model's own fold
// (model/run-record.ts, the server's too), plus what only the canvas shows on top — progress
// fractions, previews, and why nodes that never ran were skipped. Pure, so it can be replayed:
// applying the stored events again on top of a record converges to the same state.
import { isArtifact } from '../../../model/artifact';
import type { NodeRecord } from '../../../model/events';
import { applyEvent } from '../../../model/run-record';
import type { Artifact, RunEvent, RunRecord, RunStatus } from '../api/types';
import { costFromMeta } from '../flows-features/cost-format';
import { withSubflowStatus } from '../flows-features/subflow-status';

/** The `data-status` of a node element. */
export type DisplayStatus = 'idle' | 'queued' | 'running' | 'succeeded' | 'cached' | 'failed' | 'skipped';

export interface NodeRunState {
  status: DisplayStatus;
  fraction?: number;
  message?: string;
  preview?: Artifact;
  durationMs?: number;
  backend?: string;
  error?: string;
  reason?: string;
  outputs?: Record<string, unknown>;
  /** USD billed (null: unknown price; absent: nothing billed). */
  costUsd?: number | null;
  /** A subflow node's state, derived from its inner nodes (flows-features/subflow-status.ts). */
  subflow?: true;
}

export interface RunView {
  id: string;
  flowId?: string;
  status: RunStatus;
  lastSeq: number;
  startedAt?: string;
  finishedAt?: string;
  error?: string;
  outputs: Record<string, unknown>;
  /** Per node, what the canvas shows (derived from `record`, plus live progress). */
  nodes: Record<string, NodeRunState>;
  /** The run as the model folds it; never changed in place (each event makes a new one). */
  record: RunRecord;
}

export const IDLE: NodeRunState = Object.freeze({ status: 'idle' });

export function emptyRun(id: string, flowId?: string): RunView {
  return { id, flowId, status: 'queued', lastSeq: 0, outputs: {}, nodes: {}, record: { id, ...(flowId && { flowId }), status: 'queued', startedAt: '', outputs: {}, nodes: {} } };
}

export function isLive(status: RunStatus): boolean {
  return status === 'queued' || status === 'running';
}

/** How a node of the record reads on the canvas. */
function displayOf(n: NodeRecord): NodeRunState {
  const status: DisplayStatus = n.status === 'succeeded' ? (n.cached ? 'cached' : 'succeeded') : n.status === 'cancelled' ? 'skipped' : n.status;
  const state: NodeRunState = { status };
  if (n.durationMs !== undefined) state.durationMs = n.durationMs;
  const backend = n.backend ?? (n.meta?.backend as string | undefined);
  if (backend !== undefined) state.backend = backend;
  if (n.status === 'cancelled') state.reason = 'cancelled';
  else if (n.status === 'skipped') state.reason = n.error;
  else if (n.error !== undefined) state.error = n.error;
  if (n.status === 'running') state.fraction = 0;
  else state.outputs = n.outputs;
  return { ...state, ...costFromMeta(n.meta) };
}

/** The run-level fields of the view, read from its record. */
function withRecord(run: RunView, record: RunRecord, lastSeq: number): RunView {
  return {
    ...run,
    record,
    lastSeq,
    flowId: record.flowId ?? run.flowId,
    status: record.status,
    startedAt: record.startedAt || run.startedAt,
    finishedAt: record.finishedAt,
    error: record.error,
    outputs: record.outputs ?? {},
  };
}

export function runFromRecord(record: RunRecord & { lastSeq?: number; seq?: number }): RunView {
  const { lastSeq, seq, ...fields } = record;
  const own: RunRecord = { ...fields, outputs: record.outputs ?? {}, nodes: { ...(record.nodes ?? {}) } };
  const nodes: Record<string, NodeRunState> = {};
  for (const [id, n] of Object.entries(own.nodes)) nodes[id] = displayOf(n);
  // Subflow nodes have no events of their own: their state comes from their inner nodes.
  withSubflowStatus(nodes);
  return withRecord({ ...emptyRun(record.id, record.flowId), nodes }, own, lastSeq ?? seq ?? 0);
}

export function applyRunEvent(run: RunView, event: RunEvent): RunView {
  if (event.runId !== run.id) return run;
  if (typeof event.seq === 'number' && event.seq <= run.lastSeq) return run;
  const seq = typeof event.seq === 'number' ? Math.max(run.lastSeq, event.seq) : run.lastSeq;
  if (event.type === 'node.progress') {
    // Not part of the record: only the canvas shows progress.
    const prev = run.nodes[event.nodeId];
    const next: NodeRunState = { ...prev, status: 'running', fraction: event.fraction, message: event.message ?? prev?.message, preview: event.preview ?? prev?.preview };
    return { ...run, lastSeq: seq, nodes: withSubflowStatus({ ...run.nodes, [event.nodeId]: next }, event.nodeId) };
  }
  // The model's fold, on a copy: it replaces node entries, never changes one in place.
  const record: RunRecord = { ...run.record, nodes: { ...run.record.nodes } };
  applyEvent(record, event);
  if (event.type === 'run.queued') {
    record.startedAt ||= event.ts;
    if (event.flowId) record.flowId = event.flowId;
  }
  const nodes = { ...run.nodes };
  switch (event.type) {
    case 'run.queued':
      for (const id of event.nodes ?? []) nodes[id] ??= displayOf(record.nodes[id]);
      withSubflowStatus(nodes);
      break;
    case 'node.started':
    case 'node.finished':
    case 'node.failed':
    case 'node.skipped':
      nodes[event.nodeId] = displayOf(record.nodes[event.nodeId]);
      withSubflowStatus(nodes, event.nodeId);
      break;
    case 'run.finished':
      // Nodes the run never reached: the record keeps them queued; the canvas says why they did not run.
      for (const [id, n] of Object.entries(nodes)) {
        if (!n.subflow && (n.status === 'queued' || n.status === 'running')) nodes[id] = { status: 'skipped', reason: event.status === 'cancelled' ? 'cancelled' : 'not run' };
      }
      withSubflowStatus(nodes);
      break;
  }
  return withRecord({ ...run, nodes }, record, seq);
}

const RANK: Record<DisplayStatus, number> = { idle: 0, queued: 1, running: 2, succeeded: 3, cached: 3, failed: 3, skipped: 3 };
const RUN_RANK: Record<RunStatus, number> = { queued: 1, running: 2, succeeded: 3, failed: 3, cancelled: 3, interrupted: 3 };

/** True when a run rebuilt from replayed events has got at least as far as a stored record. */
export function caughtUp(replayed: RunView, record: RunView): boolean {
  if (RUN_RANK[replayed.status] < RUN_RANK[record.status]) return false;
  for (const [id, n] of Object.entries(record.nodes)) {
    if (RANK[replayed.nodes[id]?.status ?? 'idle'] < RANK[n.status]) return false;
  }
  return true;
}

/** The image-like artifacts among a node's outputs, by port. */
export function artifactOutputs(outputs: Record<string, unknown> | undefined): Array<[string, Artifact]> {
  if (!outputs) return [];
  return Object.entries(outputs).filter((entry): entry is [string, Artifact] => isArtifact(entry[1]));
}
