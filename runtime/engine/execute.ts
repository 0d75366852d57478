// The scheduler: starts every node whose inputs are ready, so independent branches run
// concurrently; a failure skips only its descendants; cancel aborts running nodes and starts no more.
import {
  ARTIFACT_TYPES,
  isArtifact,
  type AnyNodeDefinition,
  type ArtifactStoreApi,
  type Credentials,
  type GalleryEntryInput,
  type NodeContext,
  type Outputs,
} from '../../nodes/api';
import { RunNodeContext } from './node-context';
import type { CacheIndex } from '../store/cache';
import { cacheKey } from './cache-key';
import type { RunEventBody } from '../../model/events';
import type { Flow, FlowNode } from '../../model/flow';
import type { Limiter, Limiters } from './limiter';
import type { RunPlan } from './plan';
import type { NodeRegistry } from './registry';
import { backoffDelay, isRetryable, sleep } from './retry';

export interface ExecuteDeps {
  registry: NodeRegistry;
  cache: CacheIndex;
  artifacts: ArtifactStoreApi & { exists?(hash: string): boolean };
  gallery: { add(entry: GalleryEntryInput, origin: { runId: string; nodeId: string }): void };
  assets: { read(name: string): Promise<Buffer> };
  credentials: Credentials;
  limiters: Limiters;
  log(message: string): void;
}

export interface ExecuteRequest {
  runId: string;
  flow: Flow;
  plan: RunPlan;
  signal: AbortSignal;
  emit(event: RunEventBody): void;
}

export type RunOutcome = 'succeeded' | 'failed' | 'cancelled';

interface Slot {
  node: FlowNode;
  def: AnyNodeDefinition;
  waitingFor: number;
  inputs: Record<string, unknown>;
  children: Array<{ id: string; from: string; to: string }>;
  state: 'waiting' | 'running' | 'done' | 'failed' | 'skipped';
}

export function executeFlow(deps: ExecuteDeps, request: ExecuteRequest): Promise<RunOutcome> {
  const { flow, plan, signal, emit, runId } = request;
  const slots = new Map<string, Slot>();
  for (const node of flow.nodes) {
    if (!plan.nodes.has(node.id)) continue;
    const def = deps.registry.get(node.type)!;
    const inputs: Record<string, unknown> = {};
    for (const [name, port] of Object.entries(def.inputs)) if (port.default !== undefined) inputs[name] = port.default;
    Object.assign(inputs, plan.inputs?.get(node.id));
    slots.set(node.id, { node, def, waitingFor: 0, inputs, children: [], state: 'waiting' });
  }
  for (const edge of flow.edges) {
    const source = slots.get(edge.source);
    const target = slots.get(edge.target);
    if (!source || !target) continue;
    source.children.push({ id: edge.target, from: edge.sourceHandle, to: edge.targetHandle });
    target.waitingFor++;
  }

  return new Promise<RunOutcome>((resolve) => {
    let settled = 0;
    let failed = false;
    let finished = false;

    const finish = () => {
      if (finished) return;
      finished = true;
      signal.removeEventListener('abort', onCancel);
      resolve(signal.aborted ? 'cancelled' : failed ? 'failed' : 'succeeded');
    };
    const settle = () => {
      if (++settled === slots.size) finish();
    };

    const skipDescendants = (slot: Slot, reason: string) => {
      for (const child of slot.children) {
        const target = slots.get(child.id)!;
        if (target.state !== 'waiting') continue;
        target.state = 'skipped';
        emit({ type: 'node.skipped', nodeId: target.node.id, reason });
        settle();
        skipDescendants(target, reason);
      }
    };

    const succeed = (slot: Slot, outputs: Outputs) => {
      slot.state = 'done';
      settle();
      for (const child of slot.children) {
        const target = slots.get(child.id)!;
        target.inputs[child.to] = outputs[child.from];
        if (--target.waitingFor === 0 && target.state === 'waiting') start(target);
      }
    };

    const fail = (slot: Slot, error: unknown, startedAt: number) => {
      if (slot.state !== 'running') return; // cancelled meanwhile, already reported
      slot.state = 'failed';
      failed = true;
      const cancelled = signal.aborted;
      const field = (error as { field?: unknown })?.field;
      emit({
        type: 'node.failed',
        nodeId: slot.node.id,
        error: cancelled ? 'cancelled' : errorMessage(error),
        durationMs: elapsed(startedAt),
        ...(typeof field === 'string' ? { field } : {}),
        ...(cancelled ? { cancelled: true } : {}),
      });
      settle();
      skipDescendants(slot, cancelled ? 'cancelled' : `upstream node ${slot.node.id} failed`);
    };

    const start = (slot: Slot) => {
      if (signal.aborted) return;
      const { node, def } = slot;
      const params = plan.params?.get(node.id) ?? def.params.parse(node.params ?? {});
      const key = cacheKey(def.type, def.version, params, slot.inputs);
      const deterministic = typeof def.deterministic === 'function' ? def.deterministic(params) : def.deterministic;
      const mayReuse = deterministic || node.pinned === true || plan.reuse.has(node.id);
      if (mayReuse && !plan.forced.has(node.id)) {
        const hit = deps.cache.get(key);
        if (hit && artifactsPresent(hit.outputs, deps.artifacts)) {
          const event: RunEventBody = { type: 'node.finished', nodeId: node.id, cached: true, durationMs: 0, outputs: hit.outputs };
          if (typeof hit.meta?.backend === 'string') event.backend = hit.meta.backend;
          if (hit.meta) event.meta = hit.meta;
          emit(event);
          succeed(slot, hit.outputs);
          return;
        }
      }
      slot.state = 'running';
      const startedAt = performance.now();
      emit({ type: 'node.started', nodeId: node.id });
      const ctx = new RunNodeContext(deps, emit, runId, node.id, signal);
      // Inline arrows: named per-node closures cost a keepNames wrapper each under tsx.
      (def.retry ? runWithRetry(deps, slot, ctx, params) : runOnce(deps, slot, ctx, params)).then(
        (outputs) => finishNode(slot, ctx, key, startedAt, outputs),
        (error) => {
          ctx.running = false;
          fail(slot, error, startedAt);
        },
      );
    };

    const finishNode = (slot: Slot, ctx: RunNodeContext, key: string, startedAt: number, outputs: Outputs) => {
      ctx.running = false;
      if (slot.state !== 'running') return;
      const { def, node } = slot;
      let checked: Outputs;
      try {
        checked = checkOutputs(def, outputs);
      } catch (error) {
        return fail(slot, error, startedAt);
      }
      const meta = ctx.meta;
      const hasMeta = Object.keys(meta).length > 0;
      deps.cache.set(key, def.type, hasMeta ? { outputs: checked, meta } : { outputs: checked });
      const event: RunEventBody = { type: 'node.finished', nodeId: node.id, cached: false, durationMs: elapsed(startedAt), outputs: checked };
      if (typeof meta.backend === 'string') event.backend = meta.backend;
      if (hasMeta) event.meta = meta;
      emit(event);
      succeed(slot, checked);
    };

    const onCancel = () => {
      for (const slot of slots.values()) {
        if (slot.state === 'running') fail(slot, signal.reason, performance.now());
      }
      for (const slot of slots.values()) {
        if (slot.state === 'waiting') {
          slot.state = 'skipped';
          emit({ type: 'node.skipped', nodeId: slot.node.id, reason: 'cancelled' });
          settle();
        }
      }
      finish();
    };

    if (slots.size === 0) return finish();
    if (signal.aborted) return onCancel();
    signal.addEventListener('abort', onCancel, { once: true });
    for (const slot of [...slots.values()]) if (slot.waitingFor === 0 && slot.state === 'waiting') start(slot);
  });
}

function limiterFor(deps: ExecuteDeps, def: AnyNodeDefinition) {
  return deps.limiters.get(def.concurrency?.key ?? def.type, def.concurrency?.limit ?? 8);
}

/** One call under the node's concurrency limit, without an async frame when a slot is free. */
function runOnce(deps: ExecuteDeps, slot: Slot, ctx: NodeContext, params: unknown): Promise<Outputs> {
  const limiter = limiterFor(deps, slot.def);
  const wait = limiter.acquire(ctx.signal);
  return wait ? wait.then(() => callReleasing(limiter, slot, ctx, params)) : callReleasing(limiter, slot, ctx, params);
}

function callReleasing(limiter: Limiter, slot: Slot, ctx: NodeContext, params: unknown): Promise<Outputs> {
  let pending: Promise<Outputs>;
  try {
    pending = slot.def.run(ctx, slot.inputs, params);
  } catch (error) {
    limiter.release();
    return Promise.reject(error);
  }
  return pending.then(
    (outputs) => (limiter.release(), outputs),
    (error) => {
      limiter.release();
      throw error;
    },
  );
}

async function runWithRetry(deps: ExecuteDeps, slot: Slot, ctx: NodeContext, params: unknown): Promise<Outputs> {
  const policy = slot.def.retry!;
  const attempts = Math.max(1, policy.attempts);
  for (let attempt = 1; ; attempt++) {
    try {
      return await runOnce(deps, slot, ctx, params);
    } catch (failure) {
      if (ctx.signal.aborted || attempt >= attempts || !isRetryable(failure, policy)) throw failure;
      const delay = backoffDelay(policy, attempt, failure);
      ctx.progress(0, `attempt ${attempt} failed (${errorMessage(failure)}); retrying in ${delay < 1000 ? `${delay} ms` : `${(delay / 1000).toFixed(1)} s`}`);
      ctx.log(`retry ${attempt}/${attempts - 1} in ${delay} ms: ${errorMessage(failure)}`);
      await sleep(delay, ctx.signal);
    }
  }
}

function checkOutputs(def: AnyNodeDefinition, outputs: Outputs): Outputs {
  if (!outputs || typeof outputs !== 'object') throw new Error(`${def.type} returned no outputs`);
  const checked: Outputs = {};
  for (const [name, port] of Object.entries(def.outputs)) {
    const value = outputs[name];
    if (value === undefined && !port.optional) throw new Error(`${def.type} returned no value for output "${name}"`);
    if (value !== undefined && ARTIFACT_TYPES.has(port.type) && !isArtifact(value)) {
      throw new Error(`${def.type} output "${name}" must be an artifact (${port.type})`);
    }
    if (value !== undefined) checked[name] = value;
  }
  return checked;
}

function artifactsPresent(outputs: Outputs, artifacts: ExecuteDeps['artifacts']): boolean {
  if (!artifacts.exists) return true;
  for (const value of Object.values(outputs)) {
    if (isArtifact(value) && !artifacts.exists(value.artifact)) return false;
  }
  return true;
}

function elapsed(startedAt: number): number {
  return Math.round((performance.now() - startedAt) * 100) / 100;
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return typeof error === 'string' ? error : JSON.stringify(error) ?? String(error);
}
