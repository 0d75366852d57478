// Folds run events (and run records) into per-node display state. Pure, so it can be
// replayed: applying the stored events again on top of a record converges to the same state.
import { isArtifact } from '../../../model/artifact';
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
  nodes: Record<string, NodeRunState>;
}

export const IDLE: NodeRunState = Object.freeze({ status: 'idle' });

export function emptyRun(id: string, flowId?: string): RunView {
  return { id, flowId, status: 'queued', lastSeq: 0, outputs: {}, nodes: {} };
}

export function isLive(status: RunStatus): boolean {
  return status === 'queued' || status === 'running';
}

export function runFromRecord(record: RunRecord & { lastSeq?: number; seq?: number }): RunView {
  const nodes: Record<string, NodeRunState> = {};
  for (const [id, n] of Object.entries(record.nodes ?? {})) {
    const status: DisplayStatus =
      n.status === 'succeeded' ? (n.cached ? 'cached' : 'succeeded') : n.status === 'cancelled' ? 'skipped' : n.status;
    nodes[id] = {
      status,
      durationMs: n.durationMs,
      backend: n.backend,
      error: n.error,
      outputs: n.outputs,
      ...(n.status === 'cancelled' && { reason: 'cancelled' }),
      ...costFromMeta(n.meta),
    };
  }
  withSubflowStatus(nodes);
  return {
    id: record.id,
    flowId: record.flowId,
    status: record.status,
    lastSeq: record.lastSeq ?? record.seq ?? 0,
    startedAt: record.startedAt,
    finishedAt: record.finishedAt,
    error: record.error,
    outputs: record.outputs ?? {},
    nodes,
  };
}

function setNode(run: RunView, nodeId: string, next: NodeRunState): RunView {
  return { ...run, nodes: withSubflowStatus({ ...run.nodes, [nodeId]: next }, nodeId) };
}

export function applyRunEvent(run: RunView, event: RunEvent): RunView {
  if (event.runId !== run.id) return run;
  if (typeof event.seq === 'number' && event.seq <= run.lastSeq) return run;
  const seq = typeof event.seq === 'number' ? Math.max(run.lastSeq, event.seq) : run.lastSeq;
  run = { ...run, lastSeq: seq };
  switch (event.type) {
    case 'run.queued': {
      const nodes: Record<string, NodeRunState> = { ...run.nodes };
      for (const id of event.nodes ?? []) nodes[id] ??= { status: 'queued' };
      withSubflowStatus(nodes);
      return { ...run, flowId: event.flowId ?? run.flowId, status: 'queued', startedAt: run.startedAt ?? event.ts, nodes };
    }
    case 'run.started':
      return { ...run, status: 'running' };
    case 'node.started':
      return setNode(run, event.nodeId, { status: 'running', fraction: 0 });
    case 'node.progress': {
      const prev = run.nodes[event.nodeId];
      return setNode(run, event.nodeId, {
        ...prev,
        status: 'running',
        fraction: event.fraction,
        message: event.message ?? prev?.message,
        preview: event.preview ?? prev?.preview,
      });
    }
    case 'node.finished':
      return setNode(run, event.nodeId, {
        status: event.cached ? 'cached' : 'succeeded',
        durationMs: event.durationMs,
        backend: event.backend ?? (event.meta?.backend as string | undefined),
        outputs: event.outputs,
        ...costFromMeta(event.meta),
      });
    case 'node.failed':
      if ((event as { cancelled?: boolean }).cancelled) return setNode(run, event.nodeId, { status: 'skipped', reason: 'cancelled', durationMs: event.durationMs });
      return setNode(run, event.nodeId, { status: 'failed', error: event.error, durationMs: event.durationMs });
    case 'node.skipped':
      return setNode(run, event.nodeId, { status: 'skipped', reason: event.reason });
    case 'run.finished': {
      const nodes = { ...run.nodes };
      for (const [id, n] of Object.entries(nodes)) {
        if (n.status === 'queued' || n.status === 'running') nodes[id] = { status: 'skipped', reason: event.status === 'cancelled' ? 'cancelled' : 'not run' };
      }
      withSubflowStatus(nodes);
      return { ...run, status: event.status, finishedAt: event.ts, outputs: event.outputs ?? {}, error: event.error, nodes };
    }
    default:
      return run;
  }
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
