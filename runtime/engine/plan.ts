// Which nodes a run executes: all of them, everything up to a node, or a node and what follows it.
import type { Flow } from '../../model/flow';

export type RunTarget = { to: string } | { from: string };

export interface RunPlan {
  /** Every node the run settles, ancestor-closed. */
  nodes: Set<string>;
  /** Run again even if cached ("run from here" re-runs its start node). */
  forced: Set<string>;
  /** Upstream of a "run from" start: reuse their last result even when not deterministic. */
  reuse: Set<string>;
  /** Params as validated (defaults applied), by node id. */
  params?: Map<string, unknown>;
  /** Values of port-bound flow inputs, by node id then port (see flow-inputs.ts). */
  inputs?: Map<string, Record<string, unknown>>;
}

export function planRun(flow: Flow, target?: RunTarget): RunPlan {
  const all = new Set(flow.nodes.map((n) => n.id));
  if (!target) return { nodes: all, forced: new Set(), reuse: new Set() };
  const parents = adjacency(flow, 'up');
  if ('to' in target) return { nodes: closure([target.to], parents), forced: new Set(), reuse: new Set() };
  const downstream = closure([target.from], adjacency(flow, 'down'));
  const upstream = closure([...downstream], parents);
  const reuse = new Set([...upstream].filter((id) => !downstream.has(id)));
  return { nodes: upstream, forced: new Set([target.from]), reuse };
}

function adjacency(flow: Flow, direction: 'up' | 'down'): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const edge of flow.edges) {
    const [from, to] = direction === 'up' ? [edge.target, edge.source] : [edge.source, edge.target];
    (map.get(from) ?? map.set(from, []).get(from)!).push(to);
  }
  return map;
}

function closure(start: string[], next: Map<string, string[]>): Set<string> {
  const seen = new Set(start);
  const stack = [...start];
  while (stack.length) {
    for (const id of next.get(stack.pop()!) ?? []) {
      if (!seen.has(id)) {
        seen.add(id);
        stack.push(id);
      }
    }
  }
  return seen;
}
