// Saved flows with outputs as node types for GET /api/nodes: `flow:<id>`, category `flows`. Ports are
// typed from what the flow's inputs and outputs bind (followed through nested subflows); params are the
// flow's param-bound inputs with the bound param's JSON Schema.
import type { PortSpec } from '../../model/artifact';
import { isPortBinding, type Flow } from '../../model/flow';
import { byNameThenId } from '../store/compare-names';
import type { CatalogEntry, NodeRegistry } from './registry';
import { isSubflowType, SUBFLOW_PREFIX, subflowId } from './subflows';

const MAX_DEPTH = 16;

export interface SavedFlows {
  /** The saved flows' ids (the catalog parses each once, through get). */
  ids(): string[];
  get(id: string): Flow;
  /** Changes whenever any saved flow may have (names, sizes, times of the files): the catalog is cached until then. */
  version?(): string;
}

interface Cached {
  version: string;
  base: CatalogEntry[];
  entries: CatalogEntry[];
}

/** The last catalog built per flow store: GET /api/nodes otherwise parses every flow file at every call. */
const built = new WeakMap<SavedFlows, Cached>();

export function subflowCatalog(flows: SavedFlows, registry: NodeRegistry): CatalogEntry[] {
  const version = flows.version?.();
  const base = registry.catalog();
  const cached = built.get(flows);
  if (version !== undefined && cached?.version === version && cached.base === base) return cached.entries;
  const entries = buildSubflowCatalog(flows, base);
  if (version !== undefined) built.set(flows, { version, base, entries });
  return entries;
}

function buildSubflowCatalog(flows: SavedFlows, catalog: CatalogEntry[]): CatalogEntry[] {
  const base = new Map(catalog.map((entry) => [entry.type, entry]));
  const cache = new Map<string, Flow | undefined>();
  const load = (id: string) => {
    if (!cache.has(id)) {
      try {
        cache.set(id, flows.get(id));
      } catch {
        cache.set(id, undefined);
      }
    }
    return cache.get(id);
  };

  /** The port or param spec behind (flow, node, key), following subflow nodes down. */
  const resolve = (flow: Flow, nodeId: string, key: string, kind: 'input' | 'output' | 'param'): PortSpec | Record<string, unknown> | undefined => {
    for (let depth = 0; depth < MAX_DEPTH; depth++) {
      const node = flow.nodes.find((n) => n.id === nodeId);
      if (!node) return undefined;
      if (!isSubflowType(node.type)) {
        const entry = base.get(node.type);
        if (kind === 'param') return (entry?.params.properties as Record<string, Record<string, unknown>> | undefined)?.[key];
        return kind === 'input' ? entry?.inputs[key] : entry?.outputs[key];
      }
      const inner = load(subflowId(node.type));
      if (!inner) return undefined;
      const binding = kind === 'output' ? inner.outputs[key] : inner.inputs[key];
      if (!binding) return undefined;
      if (kind !== 'output' && isPortBinding(binding) !== (kind === 'input')) return undefined;
      flow = inner;
      nodeId = binding.node;
      key = isPortBinding(binding) ? binding.port : binding.param;
    }
    return undefined;
  };

  // In the flow list's order (by name, then id); a file that does not parse is left out.
  const saved = flows
    .ids()
    .flatMap((id) => {
      const flow = load(id);
      return flow ? [{ id, name: flow.name, flow }] : [];
    })
    .sort(byNameThenId);
  const entries: CatalogEntry[] = [];
  for (const { id, flow } of saved) {
    if (Object.keys(flow.outputs).length === 0) continue;
    const inputs: Record<string, PortSpec> = {};
    const properties: Record<string, unknown> = {};
    for (const [name, binding] of Object.entries(flow.inputs)) {
      if (isPortBinding(binding)) {
        const spec = resolve(flow, binding.node, binding.port, 'input') as PortSpec | undefined;
        inputs[name] = { type: spec?.type ?? 'any', ...(spec?.optional ? { optional: true } : {}), title: name };
      } else {
        const schema = resolve(flow, binding.node, binding.param, 'param');
        const current = flow.nodes.find((n) => n.id === binding.node)?.params?.[binding.param];
        properties[name] = { ...(schema ?? {}), ...(current !== undefined ? { default: current } : {}) };
      }
    }
    const outputs: Record<string, PortSpec> = {};
    for (const [name, binding] of Object.entries(flow.outputs)) {
      const spec = resolve(flow, binding.node, binding.port, 'output') as PortSpec | undefined;
      outputs[name] = { type: spec?.type ?? 'any', title: name };
    }
    entries.push({
      type: `${SUBFLOW_PREFIX}${id}`,
      title: flow.name,
      category: 'flows',
      description: flow.description ?? `The saved flow "${flow.name}" as one node`,
      version: flow.revision,
      inputs,
      outputs,
      params: { type: 'object', properties, additionalProperties: false },
      deterministic: 'params',
    });
  }
  return entries;
}
