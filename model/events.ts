// Run events and the run record (DESIGN.md "Events" and "HTTP API").
import type { Artifact } from './artifact';

export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted';
export type NodeStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled';

interface EventBase {
  runId: string;
  seq: number;
  ts: string;
}

export type RunEventBody =
  | { type: 'run.queued'; flowId?: string; nodes: string[] }
  /** `worker`: queue mode, the worker that executes the run. */
  | { type: 'run.started'; worker?: string }
  /** Queue mode: another worker took the run over after its worker stopped; finished nodes come from the cache. */
  | { type: 'run.resumed'; worker: string; attempt: number }
  | { type: 'node.started'; nodeId: string }
  | { type: 'node.progress'; nodeId: string; fraction: number; message?: string; preview?: Artifact }
  | {
      type: 'node.finished';
      nodeId: string;
      cached: boolean;
      durationMs: number;
      outputs: Record<string, unknown>;
      backend?: string;
      meta?: Record<string, unknown>;
      /** Set when another run executed this node (same cache key, at the same time): that run's id. */
      sharedWith?: string;
    }
  | { type: 'node.failed'; nodeId: string; error: string; durationMs: number; field?: string; cancelled?: boolean; sharedWith?: string }
  | { type: 'node.skipped'; nodeId: string; reason: string }
  | { type: 'run.finished'; status: 'succeeded' | 'failed' | 'cancelled' | 'interrupted'; outputs: Record<string, unknown>; error?: string; costUsd?: number | null };

export type RunEvent = EventBase & RunEventBody;

/** An event as a run's stored log holds it: the log is the run's, so its events leave `runId` out (the store adds it back). */
export type LoggedRunEvent = Omit<EventBase, 'runId'> & RunEventBody;

export interface NodeRecord {
  status: NodeStatus;
  cached: boolean;
  backend?: string;
  durationMs?: number;
  error?: string;
  outputs: Record<string, unknown>;
  meta?: Record<string, unknown>;
  /** The run whose execution this node's result (or failure) came from, when it was shared. */
  sharedWith?: string;
}

export interface RunRecord {
  id: string;
  flowId?: string;
  status: RunStatus;
  startedAt: string;
  finishedAt?: string;
  outputs: Record<string, unknown>;
  nodes: Record<string, NodeRecord>;
  error?: string;
  /** USD the providers billed (see prices.json); null when a model's price is unknown; absent when nothing was billed. */
  costUsd?: number | null;
}
