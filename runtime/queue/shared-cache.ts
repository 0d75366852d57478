// The cache index shared by every worker through Redis. The engine looks results up synchronously,
// so before a run starts the worker fetches, wave by wave, the results the engine will ask for:
// a node whose inputs come from cached parents gets its key computed exactly as the engine does.
// A resumed run adds the outputs its earlier attempts finished, so no finished node runs again.
import type { CachedResult } from '../store/cache';
import { cacheKey } from '../engine/cache-key';
import type { RunPlan } from '../engine/plan';
import type { NodeRegistry } from '../engine/registry';
import type { AnyNodeDefinition, CacheKeyContext } from '../../nodes/api';
import type { Flow, FlowNode } from '../../model/flow';
import { isArtifact } from '../../model/artifact';
import { keys } from './config';
import type { AtelierRedis } from './redis';

const MEMORY_RESULTS = 20_000;
/** Every entry is written with this expiry, so its age is this minus the TTL Redis reports. */
export const TTL_SECONDS = 30 * 24 * 3600;

interface Slot {
  node: FlowNode;
  /** The node's position in flow.nodes. */
  position: number;
  def: AnyNodeDefinition;
  waitingFor: number;
  inputs: Record<string, unknown>;
  children: Array<{ id: string; from: string; to: string }>;
}

export class SharedCache {
  private readonly recent = new Map<string, CachedResult>();

  constructor(
    private readonly redis: AtelierRedis,
    private readonly log: (message: string) => void,
    /** An entry naming an artifact that is gone (removed by gc) is a miss: the node runs again. */
    private readonly artifactExists: (hash: string) => boolean = () => true,
  ) {}

  get(key: string): CachedResult | undefined {
    return this.recent.get(key);
  }

  /** Remembered here at once, written to Redis in order with the node.finished event that follows. */
  set(key: string, _nodeType: string, result: CachedResult): void {
    this.remember(key, result);
    this.redis.set(keys.cache(key), JSON.stringify(result), 'EX', TTL_SECONDS).catch((error: Error) => {
      this.log(`shared cache: could not store ${key.slice(0, 12)}…: ${error.message}`);
    });
  }

  flush(): void {}

  /**
   * Loads what the engine's cache lookups for this run will hit. `finished` holds the outputs of
   * nodes that finished in an earlier attempt of the same run (they are reused even when not deterministic).
   */
  async prefetch(registry: NodeRegistry, flow: Flow, plan: RunPlan, finished: Map<string, CachedResult>, keyContext: CacheKeyContext): Promise<number> {
    const slots = new Map<string, Slot>();
    for (let position = 0; position < flow.nodes.length; position++) {
      const node = flow.nodes[position];
      if (!plan.nodes.has(node.id)) continue;
      const def = registry.get(node.type)!;
      const inputs: Record<string, unknown> = {};
      for (const [name, port] of Object.entries(def.inputs)) if (port.default !== undefined) inputs[name] = port.default;
      const bound = plan.inputs?.get(node.id); // port-bound flow inputs, as the engine sets them
      if (bound) Object.assign(inputs, bound);
      slots.set(node.id, { node, position, waitingFor: 0, def, inputs, children: [] });
    }
    for (const edge of flow.edges) {
      const source = slots.get(edge.source);
      const target = slots.get(edge.target);
      if (!source || !target) continue;
      source.children.push({ id: edge.target, from: edge.sourceHandle, to: edge.targetHandle });
      target.waitingFor++;
    }
    let hits = 0;
    let wave = [...slots.values()].filter((slot) => slot.waitingFor === 0);
    while (wave.length) {
      const lookups: Array<{ slot: Slot; key: string }> = [];
      const found: Array<{ slot: Slot; result: CachedResult }> = [];
      for (const slot of wave) {
        const { node, def } = slot;
        if (plan.forced.has(node.id)) continue;
        const params = plan.params?.[slot.position] ?? def.params.parse(node.params ?? {});
        let extra: string | undefined;
        if (def.cacheKey) {
          // What the node's result depends on beyond params and inputs (e.g. the backend that will serve).
          try {
            extra = await def.cacheKey(params, keyContext);
          } catch {
            continue; // the engine asks again and reports the error
          }
          if (typeof extra !== 'string') continue;
        }
        const key = cacheKey(def.type, def.version, params, slot.inputs, extra);
        const earlier = finished.get(node.id);
        if (earlier) {
          this.remember(key, earlier);
          found.push({ slot, result: earlier });
          continue;
        }
        const deterministic = typeof def.deterministic === 'function' ? def.deterministic(params) : def.deterministic;
        if (deterministic || node.pinned === true || plan.reuse.has(node.id)) lookups.push({ slot, key });
      }
      if (lookups.length) {
        const values = await this.redis.mget(lookups.map((lookup) => keys.cache(lookup.key)));
        values.forEach((value, i) => {
          if (value === null) return;
          const result = JSON.parse(value) as CachedResult;
          if (!Object.values(result.outputs).every((output) => !isArtifact(output) || this.artifactExists(output.artifact))) return;
          this.remember(lookups[i].key, result);
          found.push({ slot: lookups[i].slot, result });
        });
      }
      hits += found.length;
      const next: Slot[] = [];
      for (const { slot, result } of found) {
        for (const child of slot.children) {
          const target = slots.get(child.id)!;
          target.inputs[child.to] = result.outputs[child.from];
          if (--target.waitingFor === 0) next.push(target);
        }
      }
      wave = next;
    }
    return hits;
  }

  private remember(key: string, result: CachedResult): void {
    if (this.recent.size >= MEMORY_RESULTS) {
      let drop = MEMORY_RESULTS / 4;
      for (const old of this.recent.keys()) {
        this.recent.delete(old);
        if (--drop === 0) break;
      }
    }
    this.recent.set(key, result);
  }
}
