// The scheduler. A node whose inputs are all set joins the ready queue; one loop (`drain`) starts
// ready nodes until the queue is empty. A node either settles at once (a cache hit: its children join
// the queue) or runs asynchronously and calls `drain` again when it ends. Nothing recurses over the
// graph, so chains of any length neither grow the stack nor stop half way. A failure skips only its
// descendants; cancel aborts running nodes and starts no more; an unexpected error (a bug, a store
// that throws) stops the run with every node in a final state and rejects, never crashing the process.
import { NodeInputError, type AnyNodeDefinition, type ArtifactStoreApi, type AssetFiles, type CacheKeyContext, type Credentials, type GalleryEntryInput, type Outputs } from '../../nodes/api';
import type { RunEventBody } from '../../model/events';
import type { Flow, FlowNode } from '../../model/flow';
import type { CacheIndex } from '../store/cache';
import { cacheKey } from './cache-key';
import { FlowIndex } from './flow-index';
import type { Limiters } from './limiter';
import { RunNodeContext } from './node-context';
import type { RunCancel } from './run-cancel';
import { checkOutputs, withoutUndefined } from './outputs';
import type { RunPlan } from './plan';
import type { NodeRegistry } from './registry';
import { runNode } from './run-node';
import type { FlightClaim, FlightOutcome, SingleFlight } from './single-flight';

export interface ExecuteDeps {
  registry: NodeRegistry;
  cache: CacheIndex;
  artifacts: ArtifactStoreApi & { exists?(hash: string): boolean };
  gallery: { add(entry: GalleryEntryInput, origin: { runId: string; nodeId: string }): Promise<unknown> | void };
  assets: AssetFiles;
  credentials: Credentials;
  limiters: Limiters;
  /** Shares identical executions between concurrent runs; without it every run executes its own. */
  flights?: SingleFlight;
  log(message: string): void;
}

export interface ExecuteRequest {
  runId: string;
  flow: Flow;
  plan: RunPlan;
  /** Cancels the run; the scheduler aborts it too on an unexpected error (node contexts see its signal). */
  cancel: RunCancel;
  emit(event: RunEventBody): void;
}

export type RunOutcome = 'succeeded' | 'failed' | 'cancelled';

type SlotState = 'waiting' | 'keying' | 'running' | 'done' | 'failed' | 'skipped';

interface Slot {
  node: FlowNode;
  def: AnyNodeDefinition;
  params: unknown;
  /** Parents not yet done. */
  waitingFor: number;
  inputs: Record<string, unknown>;
  /** Its position in flow.nodes: the flow index lists the edges leaving it. */
  position: number;
  state: SlotState;
  /** May reuse a cached or shared result (deterministic, pinned or upstream of a "run from"). */
  reusable: boolean;
  startedAt: number;
  started: boolean;
  /** Set while this run leads a single-flight execution of the node. */
  flight?: FlightClaim & { role: 'leader' };
}

/** The longest stretch of synchronous scheduling before the scheduler lets the event loop run. */
const SLICE_MS = 10;

export function executeFlow(deps: ExecuteDeps, request: ExecuteRequest): Promise<RunOutcome> {
  return new Scheduler(deps, request).run();
}

class Scheduler {
  private readonly slots: Slot[] = [];
  /** The slot of each node position; undefined for nodes the plan leaves out. */
  private readonly slotAt: Array<Slot | undefined>;
  private readonly index: FlowIndex;
  private readonly ready: Slot[] = [];
  private readyHead = 0;
  private draining = false;
  /** When this run last came back from the event loop, and whether it is waiting to. */
  private sliceStart = performance.now();
  private yielding = false;
  private settled = 0;
  private failed = false;
  private finished = false;
  /** Aborted on cancel and on an unexpected error: what every node of this run sees as its signal. */
  private readonly cancel: RunCancel;
  private stopping = false;
  private resolve!: (outcome: RunOutcome) => void;
  private reject!: (error: unknown) => void;
  private crash?: unknown;

  constructor(
    private readonly deps: ExecuteDeps,
    private readonly request: ExecuteRequest,
  ) {
    this.cancel = request.cancel;
    const { flow, plan } = request;
    const index = (this.index = plan.index ?? new FlowIndex(flow.nodes, flow.edges));
    const everyNode = plan.nodes.size === flow.nodes.length;
    const slotAt: Array<Slot | undefined> = (this.slotAt = new Array(flow.nodes.length));
    for (let i = 0; i < flow.nodes.length; i++) {
      const node = flow.nodes[i];
      if (!everyNode && !plan.nodes.has(node.id)) continue;
      const def = deps.registry.get(node.type)!;
      const inputs: Record<string, unknown> = {};
      for (const name in def.inputs) if (def.inputs[name].default !== undefined) inputs[name] = def.inputs[name].default;
      const bound = plan.inputs?.get(node.id); // port-bound flow inputs
      if (bound) Object.assign(inputs, bound);
      const params = plan.params?.[i] ?? def.params.parse(node.params ?? {});
      const deterministic = typeof def.deterministic === 'function' ? def.deterministic(params) : def.deterministic;
      const reusable = (deterministic || node.pinned === true || plan.reuse.has(node.id)) && !plan.forced.has(node.id);
      const slot: Slot = { node, def, params, waitingFor: 0, inputs, position: i, state: 'waiting', reusable, startedAt: 0, started: false, flight: undefined };
      slotAt[i] = slot;
      this.slots.push(slot);
    }
    for (const slot of this.slots) {
      const { start, edges } = index.outgoing;
      for (let k = start[slot.position]; k < start[slot.position + 1]; k++) {
        const target = slotAt[index.edgeTarget[edges[k]]];
        if (target) target.waitingFor++;
      }
    }
  }

  run(): Promise<RunOutcome> {
    return new Promise<RunOutcome>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
      if (this.cancel.aborted) return this.stop(this.cancel.reason);
      this.cancel.onAbort(this.onAbort);
      for (const slot of this.slots) if (slot.waitingFor === 0) this.ready.push(slot);
      this.drain();
      this.finishIfSettled();
    });
  }

  // ── the loop ────────────────────────────────────────────────────────────────────────────────────

  /**
   * Starts ready nodes until none is left. Re-entrant calls return: the running loop picks up their
   * work. After SLICE_MS of work it yields to the event loop (a long run of cache hits or instant
   * nodes would otherwise keep the server from answering and the write batches from landing).
   */
  private drain(): void {
    if (this.draining || this.finished || this.yielding) return;
    if (performance.now() - this.sliceStart > SLICE_MS) return this.yieldToLoop();
    this.draining = true;
    try {
      let started = 0;
      while (this.readyHead < this.ready.length && !this.cancel.aborted) {
        if ((++started & 127) === 0 && performance.now() - this.sliceStart > SLICE_MS) {
          this.draining = false;
          return this.yieldToLoop();
        }
        const slot = this.ready[this.readyHead++];
        if (slot.state === 'waiting') this.start(slot);
      }
      this.ready.length = 0;
      this.readyHead = 0;
    } catch (error) {
      this.draining = false;
      return this.stop(error, true);
    }
    this.draining = false;
  }

  private yieldToLoop(): void {
    if (this.readyHead >= this.ready.length) return; // nothing to do: running nodes call back
    this.yielding = true;
    setImmediate(() => {
      this.yielding = false;
      this.sliceStart = performance.now();
      this.drain();
      this.finishIfSettled();
    });
  }

  /** Computes the node's cache key (asking the node when it declares `cacheKey`), then looks it up. */
  private start(slot: Slot): void {
    const { def } = slot;
    if (!def.cacheKey) return this.lookUp(slot, cacheKey(def.type, def.version, slot.params, slot.inputs));
    slot.state = 'keying';
    slot.startedAt = performance.now();
    let extra: string | Promise<string>;
    try {
      extra = def.cacheKey(slot.params, this.keyContext());
    } catch (error) {
      return this.fail(slot, cacheKeyError(def, error));
    }
    if (typeof extra === 'string') return this.keyed(slot, extra);
    Promise.resolve(extra).then(
      (value) => this.step(() => this.keyed(slot, value)),
      (error) => this.step(() => this.fail(slot, cacheKeyError(def, error))),
    );
  }

  private keyed(slot: Slot, extra: unknown): void {
    if (slot.state !== 'keying') return; // cancelled meanwhile
    const { def } = slot;
    if (typeof extra !== 'string') return this.fail(slot, new Error(`${def.type}: cacheKey must return a string, got ${typeof extra}`));
    this.lookUp(slot, cacheKey(def.type, def.version, slot.params, slot.inputs, extra));
  }

  /** A cached result settles the node at once; else it joins an identical execution in flight, or runs. */
  private lookUp(slot: Slot, key: string): void {
    if (slot.reusable) {
      const hit = this.deps.cache.get(key);
      if (hit && this.artifactsPresent(hit.outputs)) {
        this.emitFinished(slot, hit.outputs, hit.meta, true, 0);
        return this.succeed(slot, hit.outputs);
      }
      if (this.deps.flights) {
        const claim = this.deps.flights.claim(key, this.request.runId);
        if (!('role' in claim)) {
          slot.state = 'keying';
          claim.then(
            (resolved) => {
              if (slot.state === 'keying' && !this.finished) return this.step(() => this.claimed(slot, key, resolved));
              if (resolved.role === 'leader') resolved.settle({ status: 'abandoned' }); // stopped meanwhile
            },
            (error) => this.step(() => this.fail(slot, error)),
          );
          return;
        }
        return this.claimed(slot, key, claim);
      }
    }
    this.execute(slot, key);
  }

  private claimed(slot: Slot, key: string, claim: FlightClaim): void {
    if (claim.role === 'leader') {
      slot.flight = claim;
      return this.execute(slot, key);
    }
    this.markStarted(slot);
    claim.outcome.then(
      (outcome) => this.step(() => this.shared(slot, key, claim.leaderRunId, outcome)),
      (error) => this.step(() => this.fail(slot, error)),
    );
  }

  /** The outcome of an execution another run led: taken as this node's own. */
  private shared(slot: Slot, key: string, leaderRunId: string, outcome: FlightOutcome): void {
    if (slot.state !== 'running') return;
    if (outcome.status === 'abandoned') return this.lookUp(slot, key); // the leader was cancelled: try again
    if (outcome.status === 'failed') return this.fail(slot, Object.assign(new Error(outcome.error), { field: outcome.field }), leaderRunId);
    this.emitFinished(slot, outcome.result.outputs, outcome.result.meta, true, elapsed(slot.startedAt), leaderRunId);
    this.succeed(slot, outcome.result.outputs);
  }

  private execute(slot: Slot, key: string): void {
    this.markStarted(slot);
    const ctx = new RunNodeContext(this.deps, this.request.emit, this.request.runId, slot.node.id, this.cancel);
    runNode(this.deps, slot.def, ctx, slot.inputs, slot.params, new Execution(this, slot, ctx, key));
  }

  /** Where an Execution reports: the step of `step`, written out (no closure per node). */
  executed(execution: Execution, ok: boolean, value: unknown): void {
    if (this.finished) return;
    try {
      if (ok) this.ran(execution.slot, execution.ctx, execution.key, value as Outputs);
      else {
        execution.ctx.running = false;
        this.fail(execution.slot, value);
      }
    } catch (failure) {
      return this.stop(failure, true);
    }
    this.drain();
    this.finishIfSettled();
  }

  private ran(slot: Slot, ctx: RunNodeContext, key: string, returned: Outputs): void {
    ctx.running = false;
    if (slot.state !== 'running') return;
    const problem = checkOutputs(slot.def, returned);
    if (problem) return this.fail(slot, problem);
    const outputs = withoutUndefined(returned);
    const meta = ctx.meta;
    const hasMeta = meta !== undefined && Object.keys(meta).length > 0;
    const result = hasMeta ? { outputs, meta } : { outputs };
    if (ctx.uncached === undefined) this.deps.cache.set(key, slot.def.type, result);
    slot.flight?.settle({ status: 'succeeded', result });
    slot.flight = undefined;
    this.emitFinished(slot, outputs, hasMeta ? meta : undefined, false, elapsed(slot.startedAt));
    this.succeed(slot, outputs);
  }

  // ── settling ────────────────────────────────────────────────────────────────────────────────────

  private succeed(slot: Slot, outputs: Outputs): void {
    slot.state = 'done';
    this.settled++;
    const { outgoing, edgeTarget } = this.index;
    const { edges } = this.request.flow;
    for (let k = outgoing.start[slot.position]; k < outgoing.start[slot.position + 1]; k++) {
      const e = outgoing.edges[k];
      const target = this.slotAt[edgeTarget[e]];
      if (!target) continue;
      target.inputs[edges[e].targetHandle] = outputs[edges[e].sourceHandle];
      if (--target.waitingFor === 0 && target.state === 'waiting') this.ready.push(target);
    }
  }

  private fail(slot: Slot, error: unknown, sharedWith?: string): void {
    if (slot.state !== 'running' && slot.state !== 'keying') return; // settled meanwhile (cancel)
    slot.state = 'failed';
    this.failed = true;
    const cancelled = this.crash === undefined && this.cancel.aborted;
    const message = cancelled ? 'cancelled' : errorMessage(error);
    const field = (error as { field?: unknown } | null)?.field;
    if (slot.flight) {
      slot.flight.settle(cancelled || this.crash !== undefined ? { status: 'abandoned' } : { status: 'failed', error: message, ...(typeof field === 'string' ? { field } : {}) });
      slot.flight = undefined;
    }
    this.settled++;
    this.request.emit({
      type: 'node.failed',
      nodeId: slot.node.id,
      error: message,
      durationMs: slot.startedAt ? elapsed(slot.startedAt) : 0,
      ...(typeof field === 'string' ? { field } : {}),
      ...(cancelled ? { cancelled: true } : {}),
      ...(sharedWith ? { sharedWith } : {}),
    });
    this.skipDescendants(slot, this.crash !== undefined ? message : cancelled ? 'cancelled' : `upstream node ${slot.node.id} failed`);
  }

  /** Marks every waiting descendant skipped: a worklist, not recursion. */
  private skipDescendants(root: Slot, reason: string): void {
    const pending = [root];
    const { outgoing, edgeTarget } = this.index;
    while (pending.length > 0) {
      const parent = pending.pop()!;
      for (let k = outgoing.start[parent.position]; k < outgoing.start[parent.position + 1]; k++) {
        const slot = this.slotAt[edgeTarget[outgoing.edges[k]]];
        if (!slot || slot.state !== 'waiting') continue;
        this.skip(slot, reason);
        pending.push(slot);
      }
    }
  }

  private skip(slot: Slot, reason: string): void {
    slot.state = 'skipped';
    this.settled++;
    this.request.emit({ type: 'node.skipped', nodeId: slot.node.id, reason });
  }

  /**
   * Cancel (reason from the run's signal) or an unexpected error (`crashed`): aborts running nodes,
   * fails them, skips everything not started, then ends the run. Emit failures here are logged, not
   * rethrown: the run must end even when the event store is what broke.
   */
  private stop(reason: unknown, crashed = false): void {
    // Aborting the run's cancel calls onAbort at once: one stop is enough.
    if (this.finished || this.stopping) return;
    this.stopping = true;
    if (crashed) {
      this.crash = reason;
      this.deps.log(`run ${this.request.runId} stopped by an unexpected error: ${errorMessage(reason)}`);
    }
    this.cancel.abort(reason);
    const skipReason = crashed ? `run stopped: ${errorMessage(reason)}` : 'cancelled';
    for (const slot of this.slots) {
      try {
        if (slot.state === 'running' || slot.state === 'keying') this.fail(slot, crashed ? new Error(skipReason) : reason);
        else if (slot.state === 'waiting') this.skip(slot, skipReason);
      } catch (error) {
        this.deps.log(`run ${this.request.runId}: could not record the end of node ${slot.node.id}: ${errorMessage(error)}`);
      }
    }
    this.finish();
  }

  private readonly onAbort = (reason: unknown): void => this.stop(reason);

  /** Runs a continuation of an asynchronous step, then drains; a throw stops the run instead of escaping. */
  private step(continuation: () => unknown): void {
    if (this.finished) return;
    try {
      continuation();
    } catch (error) {
      return this.stop(error, true);
    }
    this.drain();
    this.finishIfSettled();
  }

  private finishIfSettled(): void {
    if (this.settled === this.slots.length) this.finish();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.cancel.onAbort(undefined);
    if (this.crash !== undefined) return this.reject(this.crash);
    this.resolve(this.cancel.aborted ? 'cancelled' : this.failed ? 'failed' : 'succeeded');
  }

  // ── helpers ─────────────────────────────────────────────────────────────────────────────────────

  private markStarted(slot: Slot): void {
    slot.state = 'running';
    if (slot.started) return;
    slot.started = true;
    slot.startedAt ||= performance.now();
    this.request.emit({ type: 'node.started', nodeId: slot.node.id });
  }

  private emitFinished(slot: Slot, outputs: Outputs, meta: Record<string, unknown> | undefined, cached: boolean, durationMs: number, sharedWith?: string): void {
    const event: RunEventBody = { type: 'node.finished', nodeId: slot.node.id, cached, durationMs, outputs };
    if (typeof meta?.backend === 'string') event.backend = meta.backend;
    if (meta) event.meta = meta;
    if (sharedWith) event.sharedWith = sharedWith;
    this.request.emit(event);
  }

  private keyContext(): CacheKeyContext {
    const { runId } = this.request;
    return { credentials: this.deps.credentials, assets: this.deps.assets, signal: this.cancel.signal, log: (message) => this.deps.log(`[${runId}] ${message}`) };
  }

  private artifactsPresent(outputs: Outputs): boolean {
    const { artifacts } = this.deps;
    if (!artifacts.exists) return true;
    for (const name in outputs) {
      const value = outputs[name] as { artifact?: unknown; mediaType?: unknown } | null;
      if (value && typeof value.artifact === 'string' && typeof value.mediaType === 'string' && !artifacts.exists(value.artifact)) return false;
    }
    return true;
  }
}

/** One execution of a node's `run`: the outcome runNode reports to (one object per node, no closures). */
class Execution {
  constructor(
    private readonly scheduler: Scheduler,
    readonly slot: Slot,
    readonly ctx: RunNodeContext,
    readonly key: string,
  ) {}

  ran(outputs: Outputs): void {
    this.scheduler.executed(this, true, outputs);
  }

  failed(error: unknown): void {
    this.scheduler.executed(this, false, error);
  }
}

/** Why a node's cacheKey failed; a problem with the node's own input (a missing asset) is said as it is, naming its field. */
function cacheKeyError(def: AnyNodeDefinition, error: unknown): Error {
  if (error instanceof NodeInputError) return error;
  return Object.assign(new Error(`${def.type}: could not compute the cache key: ${errorMessage(error)}`), { cause: error });
}

function elapsed(startedAt: number): number {
  return Math.round((performance.now() - startedAt) * 100) / 100;
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return typeof error === 'string' ? error : (JSON.stringify(error) ?? String(error));
}
