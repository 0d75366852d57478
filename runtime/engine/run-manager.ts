// Runs: validates, starts, records and streams them. Every event gets the next gapless seq, is
// stored, folded into the run record and sent to subscribers; finished runs replay from SQLite.
import type { AssetFiles, Credentials } from '../../nodes/api';
import type { Store } from '../store';
import { StoreUnavailable } from '../store/errors';
import { RECORD_NODES_IN_TURNS } from '../store/runs';
import type { LoggedRunEvent, RunEvent, RunEventBody, RunRecord } from '../../model/events';
import { errorMessage, executeFlow, type ExecuteDeps } from './execute';
import type { Flow } from '../../model/flow';
import { Limiters } from './limiter';
import { planRun, targetIssue, type RunPlan, type RunTarget } from './plan';
import type { NodeRegistry } from './registry';
import { applyEvent } from '../../model/run-record';
import { LocalSingleFlight, type SingleFlight } from './single-flight';
import { validateFlow, type ValidationIssue } from './validate';
import { applyFlowInputs, withoutBoundPorts } from './flow-inputs';
import { runOrigins } from '../store/run-origins';
import { untilTurn } from './turn';
import { expandSubflows, type SubflowSource } from './subflows';
import { loadPrices, RunCost, type PriceTable } from '../cost';
import { isoNow } from './clock';
import { newRunId } from './run-id';
import { RunAdmission } from './admission';
import { followRun, type ReplayOptions, type Subscription } from './event-replay';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { LiveBudget } from './live-budget';
import { RunCancel } from './run-cancel';

export class ValidationFailed extends Error {
  constructor(readonly issues: ValidationIssue[]) {
    super(`the flow is not valid: ${issues.length} problem${issues.length === 1 ? '' : 's'}\n${issues.map(formatIssue).join('\n')}`);
    this.name = 'ValidationFailed';
  }
}

export function formatIssue(issue: ValidationIssue): string {
  const where = [issue.nodeId, issue.field].filter(Boolean).join(' › ');
  return `  - ${where ? `${where}: ` : ''}${issue.message} [${issue.code}]`;
}

export interface RunRequest {
  flow: Flow;
  flowId?: string;
  inputs?: Record<string, unknown>;
  target?: RunTarget;
  /** Stay queued until this settles (a batch run waits for one of the batch's ATELIER_BATCH_CONCURRENCY slots). */
  after?: Promise<unknown>;
}

type Listener = (event: RunEvent) => void;

type RunFinished = Extract<RunEventBody, { type: 'run.finished' }>;

interface LiveRun {
  record: RunRecord;
  /** The seq of its latest event. The events themselves are the store's: a live run keeps none. */
  seq: number;
  /** Made by the first subscriber: most runs (a script's, a burst's) have none. */
  listeners?: Set<Listener>;
  cancel: RunCancel;
  done: Promise<RunRecord>;
  /** run.finished was emitted: nothing may follow it (a node that ignored a cancel may still report). */
  ended?: boolean;
  lateReported?: boolean;
  /** Gives back the run's room (LiveBudget) once its end is recorded. */
  release: () => void;
  /** Settle `done`. */
  resolve: (record: RunRecord | Promise<RunRecord>) => void;
  reject: (failure: unknown) => void;
  /** What the run executes, kept here until it is admitted (then the scheduler's). */
  flow?: Flow;
  plan?: RunPlan;
}

export interface RunManagerOptions {
  registry: NodeRegistry;
  store: Store;
  credentials: Credentials;
  assets: AssetFiles;
  env?: NodeJS.ProcessEnv;
  log?: (message: string) => void;
  /** Shared in-flight executions; default: this process's own. */
  flights?: SingleFlight;
  /** Saved flows, for `flow:<id>` subflow nodes. */
  flows?: SubflowSource;
}

export class RunManager {
  private readonly live = new Map<string, LiveRun>();
  private readonly runListeners = new Set<Listener>();
  private readonly deps: ExecuteDeps;
  private readonly prices: PriceTable;
  private readonly admission: RunAdmission<LiveRun>;
  private readonly budget: LiveBudget;
  private readonly releaseHold: () => void;

  constructor(private readonly options: RunManagerOptions) {
    const { store } = options;
    this.prices = loadPrices(options.env);
    this.admission = new RunAdmission(this.startAdmitted);
    this.budget = LiveBudget.fromEnv(options.env);
    this.deps = {
      registry: options.registry,
      cache: store.cache,
      artifacts: store.artifacts,
      gallery: { add: (entry, origin) => store.gallery.add(entry, origin) },
      assets: options.assets,
      credentials: options.credentials,
      limiters: new Limiters(options.env),
      flights: options.flights ?? new LocalSingleFlight(),
      log: options.log ?? (() => {}),
    };
    // While a burst of runs waits to start, commits wait for it too (store/write-behind.ts).
    this.releaseHold = store.writes.holdWhile(() => this.admission.busy);
    // A commit that fails (disk full, read-only) fails every live run: none of them can be recorded.
    store.writes.onFailure((error) => {
      for (const live of this.live.values()) live.cancel.abort(error);
    });
  }

  /** Applies flow inputs and checks everything; throws ValidationFailed listing every problem. */
  prepare(request: RunRequest): { flow: Flow; plan: RunPlan; asSent: boolean } {
    const expanded = expandSubflows(request.flow, this.options.flows, request.flowId);
    if (expanded.issues.length) throw new ValidationFailed(expanded.issues);
    const applied = applyFlowInputs(expanded.flow, request.inputs ?? {}, this.options.registry, this.options.store.artifacts);
    const { flow, issues } = applied;
    const target = request.target;
    const badTarget = targetIssue(flow, target);
    if (badTarget) throw new ValidationFailed([...issues, badTarget]);
    const plan = planRun(flow, target);
    plan.params = new Array(flow.nodes.length);
    if (applied.presets.size) plan.inputs = applied.presets; // an empty Map per queued run is ~170 bytes kept
    const found = validateFlow(flow, { registry: this.options.registry, credentials: this.options.credentials, nodesToRun: plan.nodes, parsedParams: plan.params, index: plan.index });
    // One by one: spreading 100,000 issues into push() would overflow the stack.
    for (const issue of withoutBoundPorts(found, applied.boundPorts)) issues.push(issue);
    if (issues.length) throw new ValidationFailed(issues);
    // Run as sent: no subflow expanded, no input applied (the flow differs from the request's only by copies).
    const asSent = expanded.flow === request.flow && Object.keys(request.inputs ?? {}).length === 0;
    return { flow, plan, asSent };
  }

  /** Throws TooManyRuns unless `runs` more runs holding `nodes` nodes in all may start now (a batch asks before its first). */
  checkRoom(runs: number, nodes: number): void {
    this.budget.check(runs, nodes);
  }

  start(request: RunRequest): string {
    const { flow, plan, asSent } = this.prepare(request);
    // After a failed commit, a new run first proves the store writes again (throws StoreUnavailable).
    if (this.options.store.writes.failure) this.options.store.writes.flush();
    const release = this.budget.take(plan.nodes.size);
    try {
      return this.launch(request, flow, plan, asSent, release);
    } catch (error) {
      release();
      throw error;
    }
  }

  private launch(request: RunRequest, flow: Flow, plan: RunPlan, asSent: boolean, release: () => void): string {
    const id = newRunId();
    const record: RunRecord = {
      id,
      ...(request.flowId ? { flowId: request.flowId } : {}),
      status: 'queued',
      startedAt: isoNow(), // a burst's runs share one formatting per millisecond, as events do
      outputs: {},
      nodes: {},
    };
    this.options.store.runs.create(record, flow);
    // A flow run as sent is its own origin: the runs row holds it (see store/run-origins.ts).
    if (!asSent) runOrigins(this.options.store.db).save(id, request.flow, request.inputs);
    const live: LiveRun = { record, seq: 0, cancel: new RunCancel(), done: undefined!, release, resolve: undefined!, reject: undefined!, flow, plan };
    live.done = new Promise<RunRecord>((resolve, reject) => {
      live.resolve = resolve;
      live.reject = reject;
    });
    this.live.set(id, live);
    try {
      this.emit(live, { type: 'run.queued', ...(request.flowId ? { flowId: request.flowId } : {}), nodes: [...plan.nodes] });
    } catch (failure) {
      this.failed(live, failure);
      return id;
    }
    if (request.after) void untilTurn(request.after, live.cancel.signal).then(() => this.queue(live));
    else this.queue(live);
    return id;
  }

  /** Starts the run now, or when its turn comes: until then it holds no promise or async frame of its own. */
  private queue(live: LiveRun): void {
    if (this.admission.tryAdmit()) return this.startAdmitted(live);
    live.plan!.index = undefined; // see RunPlan.index
    this.admission.enqueue(live);
  }

  /** Executes the run and settles `done` once its end is saved. One handler for every run, so a queued run keeps no closure. */
  private readonly startAdmitted = (live: LiveRun): void => {
    const { flow, plan } = live;
    live.flow = live.plan = undefined;
    this.executeAdmitted(live, flow!, plan!).then(
      (finished) => live.resolve(this.committed(live, finished)),
      (failure) => this.failed(live, failure),
    );
  };

  /** The run could not end normally (its end could not be saved, a bug): `done` rejects, and the log says why. */
  private failed(live: LiveRun, failure: unknown): void {
    live.release(); // however the run ended
    live.reject(failure);
    // A run started without waiting (POST /api/runs without ?wait) has nobody on `done`: an unhandled
    // rejection would end the process.
    live.done.catch(() => this.deps.log(`run ${live.record.id} could not end: ${errorMessage(failure)}`));
  }

  /**
   * Resolves once the run's end is committed, then releases its room. Not awaited in executeAdmitted:
   * its suspended frame would keep the run's flow, plan and parsed params until the writer thread's
   * commit, and every scavenge of a burst meanwhile copied them.
   */
  private committed(live: LiveRun, finished: RunFinished): Promise<RunRecord> {
    const { record, release } = live;
    return this.options.store.runs.flushed().then(
      () => {
        release();
        return record;
      },
      (failure: Error) => {
        markUncommitted(record, finished, failure, this.deps.log);
        release();
        return record;
      },
    );
  }

  /** Executes an admitted run and saves its end; resolves with its run.finished event. */
  private async executeAdmitted(live: LiveRun, flow: Flow, plan: RunPlan): Promise<RunFinished> {
    const { record, cancel } = live;
    const id = record.id;
    // Made once admitted: a burst's queued runs keep as little as they can.
    const cost = new RunCost(this.prices);
    const emit = (body: RunEventBody) => this.emit(live, cost.apply(body));
    // Setting up a large run's scheduler (a slot per node) is a step of its own, not part of start()'s.
    if (plan.nodes.size >= RECORD_NODES_IN_TURNS) await nextTurn();
    emit({ type: 'run.started' });
    let status: RunRecord['status'];
    let error: string | undefined;
    try {
      status = await executeFlow(this.deps, { runId: id, flow, plan, cancel, emit });
      if (cancel.reason instanceof StoreUnavailable) {
        status = 'failed';
        error = cancel.reason.message;
      }
    } catch (failure) {
      status = 'failed';
      error = failure instanceof Error ? failure.message : String(failure);
      this.deps.log(`run ${id} failed in the engine: ${error}`);
    }
    const finished: RunFinished = { type: 'run.finished', status, outputs: collectOutputs(flow, record, this.options.registry), ...(error ? { error } : {}) };
    emit(finished);
    // A large record is serialised a slice per turn first; a small one at the commit, as before.
    if (plan.nodes.size >= RECORD_NODES_IN_TURNS) await this.options.store.runs.saveInTurns(record);
    else this.options.store.runs.save(record, { nodesInEvents: true }); // every node state came from an event stored with it
    this.live.delete(id);
    live.listeners?.clear();
    return finished;
  }

  // run() and wait() hand out the run's own promise: as async functions, each kept a suspended frame
  // (~400 bytes) per queued run of a burst.
  run(request: RunRequest): Promise<RunRecord> {
    let runId: string;
    try {
      runId = this.start(request);
    } catch (error) {
      return Promise.reject(asError(error));
    }
    return this.wait(runId) as Promise<RunRecord>;
  }

  wait(runId: string): Promise<RunRecord | undefined> {
    const live = this.live.get(runId);
    if (live) return live.done;
    try {
      return Promise.resolve(this.options.store.runs.get(runId));
    } catch (error) {
      return Promise.reject(asError(error));
    }
  }

  get(runId: string): RunRecord | undefined {
    return this.live.get(runId)?.record ?? this.options.store.runs.get(runId);
  }

  /** The seq of the run's latest event (0 when none): where a client that loaded the record resumes. */
  lastSeq(runId: string): number {
    const live = this.live.get(runId);
    return live ? live.seq : this.options.store.runs.lastSeq(runId);
  }

  isLive(runId: string): boolean {
    return this.live.has(runId);
  }

  cancel(runId: string): RunRecord | undefined {
    const live = this.live.get(runId);
    if (live) live.cancel.abort(new Error('cancelled'));
    return this.get(runId);
  }

  /** The stored events after `since` (a page per turn of the event loop), then live ones. Undefined for an unknown run. */
  subscribe(runId: string, since: number, listener: Listener, options?: ReplayOptions): Subscription | undefined {
    const live = this.live.get(runId);
    return followRun(this.options.store.runs, runId, live && (live.listeners ??= new Set()), since, listener, options);
  }

  /** Hears the run.queued event of every new run (a second tab joins runs of its flow this way). */
  onRunQueued(listener: Listener): () => void {
    this.runListeners.add(listener);
    return () => this.runListeners.delete(listener);
  }

  /** Cancels live runs and waits for them to settle (server shutdown). */
  async shutdown(): Promise<void> {
    const pending = [...this.live.values()];
    for (const live of pending) live.cancel.abort(new Error('server shutting down'));
    await Promise.allSettled(pending.map((live) => live.done));
    this.releaseHold();
  }

  private emit(live: LiveRun, body: RunEventBody): void {
    if (live.ended) return this.afterEnd(live, body);
    if (body.type === 'run.finished') live.ended = true;
    // The body becomes the logged event (no copy): bodies are built for one emit only.
    const event = body as LoggedRunEvent;
    event.seq = ++live.seq;
    event.ts = isoNow();
    applyEvent(live.record, event);
    // The record is saved once, at the end: until then the store reads it from memory, and a restart
    // folds an unfinished run from its events (committed with every batch).
    this.options.store.runs.append(live.record.id, event);
    const queued = event.type === 'run.queued' && this.runListeners.size > 0;
    if (!live.listeners && !queued) return; // most runs (a script's, a burst's) have no subscriber
    const sent: RunEvent = { runId: live.record.id, ...event };
    if (live.listeners) for (const listener of live.listeners) listener(sent);
    if (queued) for (const listener of this.runListeners) listener(sent);
  }

  /** An event after run.finished is dropped: a run's events end there and its saved record stays as it ended. Said once per run. */
  private afterEnd(live: LiveRun, body: RunEventBody): void {
    if (live.lateReported) return;
    live.lateReported = true;
    const nodeId = 'nodeId' in body ? ` from node ${body.nodeId}` : '';
    this.deps.log(`run ${live.record.id}: ${body.type}${nodeId} came after the run ended (a node still running after a cancel?); dropped, as are any more`);
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * The final batch could not be committed: the run is failed with store_unavailable. Its record and
 * run.finished event stay queued (retried by the next commit), so they say so once the disk heals.
 */
function markUncommitted(record: RunRecord, finished: { status: RunRecord['status']; error?: string }, failure: Error, log: (message: string) => void): void {
  record.status = 'failed';
  record.error = failure.message;
  finished.status = 'failed';
  finished.error = failure.message;
  log(`run ${record.id} could not be recorded: ${failure.message}`);
}

/** The flow's declared outputs, plus the value of every node that marks a flow output (the `output` node). */
export function collectOutputs(flow: Flow, record: RunRecord, registry: NodeRegistry): Record<string, unknown> {
  const outputs: Record<string, unknown> = {};
  const take = (name: string, nodeId: string, port: string) => {
    const node = record.nodes[nodeId];
    if (node?.status === 'succeeded' && port in node.outputs && !(name in outputs)) outputs[name] = node.outputs[port];
  };
  for (const [name, binding] of Object.entries(flow.outputs)) take(name, binding.node, binding.port);
  for (const node of flow.nodes) {
    const marker = registry.get(node.type)?.flowOutput;
    if (!marker || node.id.includes('/')) continue; // a subflow's own output nodes stay inside it
    const named = marker.nameParam ? node.params?.[marker.nameParam] : undefined;
    take(typeof named === 'string' && named ? named : node.id, node.id, marker.port);
  }
  return outputs;
}
