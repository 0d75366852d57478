// Executes one queued run on a worker with the same engine as single-process mode. A run taken
// over from a dead worker folds the events already in its stream, says `run.resumed`, and reuses
// every node that finished before: those come from the cache and are not executed again.
import type { AssetFiles, Credentials } from '../../nodes/api';
import type { RunEvent, RunEventBody, RunRecord } from '../../model/events';
import type { Flow } from '../../model/flow';
import { applyEvent } from '../../model/run-record';
import { errorMessage, executeFlow, type ExecuteDeps } from '../engine/execute';
import type { Limiters } from '../engine/limiter';
import { RunCancel } from '../engine/run-cancel';
import { planRun, type RunPlan, type RunTarget } from '../engine/plan';
import type { NodeRegistry } from '../engine/registry';
import { collectOutputs, ValidationFailed } from '../engine/run-manager';
import { validateFlow } from '../engine/validate';
import type { CacheIndex, CachedResult } from '../store/cache';
import type { SharedArtifactStore } from './dir-artifacts';
import { readRunEvents, RunEventWriter } from './event-writer';
import type { AtelierRedis } from './redis';
import type { SharedCache } from './shared-cache';
import type { SharedSingleFlight } from './shared-flight';

/** A job's data: the flow with its inputs already applied by the API. */
export interface RunJobData {
  runId: string;
  flow: Flow;
  flowId?: string;
  target?: RunTarget;
  /** Port-bound flow inputs as the API's validation resolved them (the plan's `inputs`), by node id. */
  portInputs?: Record<string, Record<string, unknown>>;
}

export interface RunJobDeps {
  workerId: string;
  registry: NodeRegistry;
  credentials: Credentials;
  assets: AssetFiles;
  artifacts: SharedArtifactStore;
  redis: AtelierRedis;
  cache: SharedCache;
  flights: SharedSingleFlight;
  limiters: Limiters;
  log(message: string): void;
}

export async function executeRunJob(deps: RunJobDeps, data: RunJobData, attempt: number, signal: AbortSignal): Promise<RunRecord['status']> {
  const { runId, flow } = data;
  const writer = new RunEventWriter(deps.redis, runId);
  const history = await readRunEvents(deps.redis, runId);
  const record: RunRecord = { id: runId, status: 'queued', startedAt: history[0]?.ts ?? new Date().toISOString(), outputs: {}, nodes: {} };
  for (const event of history) applyEvent(record, event);
  if (history.some((event) => event.type === 'run.finished')) return record.status; // delivered twice: already done
  const emit = (body: RunEventBody) => applyEvent(record, writer.emit(body));
  const resumed = history.some((event) => event.type === 'run.started');
  let status: RunRecord['status'];
  let error: string | undefined;
  try {
    const plan = prepare(flow, data.target, deps);
    if (data.portInputs) plan.inputs = new Map(Object.entries(data.portInputs));
    emit(resumed ? { type: 'run.resumed', worker: deps.workerId, attempt } : { type: 'run.started', worker: deps.workerId });
    const finished = resumed ? finishedEarlier(history) : new Map<string, CachedResult>();
    if (finished.size) plan.reuse = new Set([...plan.reuse, ...finished.keys()]);
    await deps.cache.prefetch(deps.registry, flow, plan, finished, { credentials: deps.credentials, assets: deps.assets, signal, log: deps.log });
    status = await executeFlow(executeDeps(deps, writer), { runId, flow, plan, cancel: RunCancel.following(signal), emit });
  } catch (failure) {
    status = 'failed';
    error = failure instanceof ValidationFailed ? `worker ${deps.workerId}: ${failure.message}` : errorMessage(failure);
    deps.log(`run ${runId} failed on worker ${deps.workerId}: ${error}`);
  }
  emit({ type: 'run.finished', status: status as 'succeeded', outputs: collectOutputs(flow, record, deps.registry), ...(error ? { error } : {}) });
  await writer.flush();
  return status;
}

/** The API validated the flow; the worker checks again against its own node types and credentials. */
function prepare(flow: Flow, target: RunTarget | undefined, deps: RunJobDeps): RunPlan {
  const plan = planRun(flow, target);
  plan.params = new Array(flow.nodes.length);
  const issues = validateFlow(flow, { registry: deps.registry, credentials: deps.credentials, nodesToRun: plan.nodes, parsedParams: plan.params, index: plan.index });
  if (issues.length) throw new ValidationFailed(issues);
  return plan;
}

function finishedEarlier(history: RunEvent[]): Map<string, CachedResult> {
  const finished = new Map<string, CachedResult>();
  for (const event of history) {
    if (event.type === 'node.finished') finished.set(event.nodeId, event.meta ? { outputs: event.outputs, meta: event.meta } : { outputs: event.outputs });
    else if (event.type === 'node.started' || event.type === 'node.failed' || event.type === 'node.skipped') finished.delete(event.nodeId);
  }
  return finished;
}

function executeDeps(deps: RunJobDeps, writer: RunEventWriter): ExecuteDeps {
  return {
    registry: deps.registry,
    // SharedCache has CacheIndex's get/set; the class type is nominal only through its private fields.
    cache: deps.cache as unknown as CacheIndex,
    artifacts: deps.artifacts,
    gallery: { add: (entry, origin) => writer.gallery(entry, origin.nodeId) },
    assets: deps.assets,
    credentials: deps.credentials,
    limiters: deps.limiters,
    flights: deps.flights,
    log: deps.log,
  };
}
