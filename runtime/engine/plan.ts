// Which nodes a run executes: all of them, everything up to a node, or a node and what follows it.
// A target may name a node inside a subflow by its path (`sub1/seg`), or a subflow node itself
// (`sub1`: all of its inner nodes, which is what the expanded flow holds in its place).
import type { Flow } from '../../model/flow';
import type { FlowIndex } from './flow-index';
import type { ValidationIssue } from './validate';

export type RunTarget = { to: string } | { from: string };

export interface RunPlan {
  /** Every node the run settles, ancestor-closed. */
  nodes: Set<string>;
  /** Run again even if cached ("run from here" re-runs its start node). */
  forced: Set<string>;
  /** Upstream of a "run from" start: reuse their last result even when not deterministic. */
  reuse: Set<string>;
  /** Params as validated (defaults applied), by the node's position in flow.nodes. */
  params?: unknown[];
  /** Values of port-bound flow inputs, by node id then port (see flow-inputs.ts). */
  inputs?: Map<string, Record<string, unknown>>;
  /** The flow's graph index, built once by validation and reused by the scheduler. */
  index?: FlowIndex;
}

export function planRun(flow: Flow, target?: RunTarget): RunPlan {
  if (!target) {
    const all = new Set<string>();
    for (const node of flow.nodes) all.add(node.id);
    return { nodes: all, forced: new Set(), reuse: new Set() };
  }
  const parents = adjacency(flow, 'up');
  const start = targetNodes(flow, targetId(target));
  if ('to' in target) return { nodes: closure(start, parents), forced: new Set(), reuse: new Set() };
  const downstream = closure(start, adjacency(flow, 'down'));
  const upstream = closure([...downstream], parents);
  const reuse = new Set([...upstream].filter((id) => !downstream.has(id)));
  return { nodes: upstream, forced: new Set(start), reuse };
}

export function targetId(target: RunTarget): string {
  return 'to' in target ? target.to : target.from;
}

/** The nodes a target id stands for in the (subflow-expanded) flow: the node, or a subflow's inner nodes. */
export function targetNodes(flow: Flow, id: string): string[] {
  if (flow.nodes.some((n) => n.id === id)) return [id];
  const prefix = `${id}/`;
  return flow.nodes.filter((n) => n.id.startsWith(prefix)).map((n) => n.id);
}

/** Why a run target names nothing in the flow, naming the path; undefined when it is fine. */
export function targetIssue(flow: Flow, target: RunTarget | undefined): ValidationIssue | undefined {
  if (!target) return undefined;
  const id = targetId(target);
  if (targetNodes(flow, id).length) return undefined;
  const issue = (message: string): ValidationIssue => ({ nodeId: id, field: 'target', code: 'unknown_node', message });
  // The deepest subflow on the path that exists: say what it lacks.
  const parts = id.split('/');
  for (let depth = parts.length - 1; depth > 0; depth--) {
    const outer = parts.slice(0, depth).join('/');
    if (flow.nodes.some((n) => n.id === outer)) return issue(`run target "${id}": "${outer}" is not a subflow node`);
    if (targetNodes(flow, outer).length) return issue(`run target "${id}": subflow "${outer}" has no node "${parts.slice(depth).join('/')}"`);
  }
  return issue(`run target "${id}" is not a node of this flow`);
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
