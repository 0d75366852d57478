// What the server's routes and the CLI need from "the runs": the in-process RunManager and the
// queue-backed QueueRuns both satisfy it, so routes do not know which one serves them.
import type { RunRecord } from '../../model/events';
import type { RunRequest } from '../engine/run-manager';
import type { ReplayOptions, RunListener, Subscription } from '../engine/event-replay';
import type { PlanNodes } from '../engine/plan';

export type { RunListener, Subscription };

export interface RunService {
  /** Applies inputs and validates without starting anything; throws ValidationFailed listing every problem. */
  prepare(request: RunRequest): { plan: { nodes: PlanNodes } };
  /** Throws TooManyRuns unless `runs` more runs holding `nodes` nodes in all may start now (ATELIER_MAX_LIVE_RUNS/NODES). */
  checkRoom(runs: number, nodes: number): void;
  /** Validates, records and starts (or enqueues) a run; throws ValidationFailed listing every problem. */
  start(request: RunRequest): string;
  run(request: RunRequest): Promise<RunRecord>;
  /** Resolves once the run's final state and events are stored. */
  wait(runId: string): Promise<RunRecord | undefined>;
  get(runId: string): RunRecord | undefined;
  lastSeq(runId: string): number;
  isLive(runId: string): boolean;
  cancel(runId: string): RunRecord | undefined;
  /** Replays events after `since` (a page per turn of the event loop), then streams live ones, with no gap between the two. */
  subscribe(runId: string, since: number, listener: RunListener, options?: ReplayOptions): Subscription | undefined;
  onRunQueued(listener: RunListener): () => void;
  shutdown(): Promise<void>;
}

export interface WorkerInfo {
  id: string;
  host: string;
  pid: number;
  concurrency: number;
  /** Ids of the runs it executes now. */
  runs: string[];
  startedAt: string;
  lastHeartbeat: string;
}

/** Lists the workers that execute runs (GET /api/workers). */
export interface WorkerDirectory {
  list(): Promise<WorkerInfo[]>;
}
