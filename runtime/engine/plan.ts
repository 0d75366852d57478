// Which nodes a run executes: all of them, everything up to a node, or a node and what follows it.
// A target may name a node inside a subflow by its path (`sub1/seg`), or a subflow node itself
// (`sub1`: all of its inner nodes, which is what the expanded flow holds in its place).
import type { Flow, FlowNode } from '../../model/flow';
import { FlowIndex, type EdgeRows } from './flow-index';
import type { ValidationIssue } from './validate';

export type RunTarget = { to: string } | { from: string };

/** The ids of the nodes a run settles: what a plan needs of a Set. */
export interface PlanNodes extends Iterable<string> {
  readonly size: number;
  has(id: string): boolean;
}

export interface RunPlan {
  /** Every node the run settles, ancestor-closed. */
  nodes: PlanNodes;
  /** Run again even if cached ("run from here" re-runs its start node). */
  forced: ReadonlySet<string>;
  /** Upstream of a "run from" start: reuse their last result even when not deterministic. */
  reuse: ReadonlySet<string>;
  /**
   * The flow's graph, indexed once: validation and the scheduler use it too. A run that waits for its
   * turn drops it (a burst's thousands of queued runs kept ~1.5 KB each); the scheduler indexes again.
   */
  index?: FlowIndex;
  /** Params as validated (defaults applied), by the node's position in flow.nodes. */
  params?: unknown[];
  /** Values of port-bound flow inputs, by node id then port (see flow-inputs.ts). */
  inputs?: Map<string, Record<string, unknown>>;
}

/** The empty `forced` and `reuse` of most plans, shared: a burst's queued runs held two empty Sets each. */
const NO_NODES: ReadonlySet<string> = new Set();

export function planRun(flow: Flow, target?: RunTarget): RunPlan {
  const index = new FlowIndex(flow.nodes, flow.edges);
  if (!target) return plan(new EveryNode(flow.nodes), NO_NODES, NO_NODES, index);
  const start = targetNodes(flow, targetId(target)).map((id) => index.position.get(id)!);
  const ids = (positions: Iterable<number>) => new Set(Array.from(positions, (position) => flow.nodes[position].id));
  if ('to' in target) return plan(ids(closure(start, index.incoming, index.edgeSource)), NO_NODES, NO_NODES, index);
  const downstream = closure(start, index.outgoing, index.edgeTarget);
  const upstream = closure([...downstream], index.incoming, index.edgeSource);
  const reuse = [...upstream].filter((position) => !downstream.has(position));
  return plan(ids(upstream), ids(start), ids(reuse), index);
}

/** Every field named at once: one set later (params, inputs) would take a property array per queued run. */
function plan(nodes: PlanNodes, forced: ReadonlySet<string>, reuse: ReadonlySet<string>, index: FlowIndex): RunPlan {
  return { nodes, forced, reuse, index, params: undefined, inputs: undefined };
}

/**
 * Every node of the flow, without a Set of their ids until one is asked for: most plans run every
 * node, and each queued run of a burst kept such a Set (~400 bytes for ten nodes).
 */
class EveryNode implements PlanNodes {
  private ids?: Set<string>;

  constructor(private readonly nodes: readonly FlowNode[]) {}

  get size(): number {
    return this.nodes.length;
  }

  has(id: string): boolean {
    this.ids ??= new Set(Array.from(this.nodes, (node) => node.id));
    return this.ids.has(id);
  }

  *[Symbol.iterator](): Iterator<string> {
    for (const node of this.nodes) yield node.id;
  }
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

/** The positions reachable from `start` along `rows`, start included; `next` gives an edge's far end. */
function closure(start: number[], rows: EdgeRows, next: Int32Array): Set<number> {
  const seen = new Set(start);
  const stack = [...start];
  while (stack.length) {
    const position = stack.pop()!;
    for (let k = rows.start[position]; k < rows.start[position + 1]; k++) {
      const reached = next[rows.edges[k]];
      if (!seen.has(reached)) {
        seen.add(reached);
        stack.push(reached);
      }
    }
  }
  return seen;
}
