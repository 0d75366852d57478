// Subflows: a node of type `flow:<flowId>` stands for that saved flow. Before validation and planning
// it is replaced by the inner flow's nodes, ids prefixed with the path (`sub1/seg`), so inner events
// carry the path and every inner node is cached on its own. Its ports are the inner flow's port-bound
// inputs and its outputs; its params set the inner flow's param-bound inputs. Expansion is iterative
// (a work list, never recursion) and capped in size; a flow that contains itself is an error naming the chain.
import { isPortBinding, type Flow, type FlowEdge, type FlowInputBinding, type FlowNode } from '../../model/flow';
import type { ValidationIssue } from './validate';

export const SUBFLOW_PREFIX = 'flow:';
export const MAX_EXPANDED_NODES = 2000;

export interface SubflowSource {
  /** The saved flow; throws when there is none or it cannot be read. */
  get(id: string): Flow;
}

export function isSubflowType(type: string): boolean {
  return type.startsWith(SUBFLOW_PREFIX);
}

export function subflowId(type: string): string {
  return type.slice(SUBFLOW_PREFIX.length);
}

interface Pending {
  node: FlowNode;
  /** Flow ids from the top flow down to the flow holding this node. */
  chain: string[];
}

export function expandSubflows(flow: Flow, source: SubflowSource | undefined, topFlowId?: string): { flow: Flow; issues: ValidationIssue[] } {
  if (!flow.nodes.some((n) => isSubflowType(n.type))) return { flow, issues: [] };
  const issues: ValidationIssue[] = [];
  const nodes: FlowNode[] = [];
  let edges: FlowEdge[] = flow.edges.map((e) => ({ ...e }));
  const inputs: Record<string, FlowInputBinding> = { ...flow.inputs };
  const outputs = { ...flow.outputs };
  const work: Pending[] = flow.nodes.map((node) => ({ node, chain: topFlowId ? [topFlowId] : [] })).reverse();
  let count = flow.nodes.length;

  while (work.length) {
    const { node, chain } = work.pop()!;
    if (!isSubflowType(node.type)) {
      nodes.push(node);
      continue;
    }
    const id = subflowId(node.type);
    const problem = (field: string, code: ValidationIssue['code'], message: string) => issues.push({ nodeId: node.id, field, code, message });
    if (chain.includes(id)) {
      problem('type', 'cycle', `subflow recursion: ${[...chain, id].join(' → ')}`);
      continue;
    }
    let inner: Flow;
    try {
      if (!source) throw new Error('subflows need the saved flows, and none are available here');
      inner = source.get(id);
    } catch (error) {
      problem('type', 'unknown_type', `subflow "${id}" cannot be loaded: ${(error as Error).message}`);
      continue;
    }
    count += inner.nodes.length - 1;
    if (count > MAX_EXPANDED_NODES) {
      problem('type', 'invalid_param', `with its subflows the flow has more than ${MAX_EXPANDED_NODES} nodes`);
      break;
    }
    const path = (innerId: string) => `${node.id}/${innerId}`;
    const innerNodes = inner.nodes.map((n) => ({ ...n, id: path(n.id), params: { ...n.params } }));
    const byId = new Map(innerNodes.map((n) => [n.id, n]));

    // The subflow node's params set the inner flow's param-bound inputs.
    for (const [name, value] of Object.entries(node.params ?? {})) {
      const binding = inner.inputs[name];
      const target = binding && !isPortBinding(binding) ? byId.get(path(binding.node)) : undefined;
      if (!binding || isPortBinding(binding)) problem(name, 'invalid_param', `subflow "${id}" has no param input "${name}"`);
      else if (target) target.params[binding.param] = value;
    }

    const rewired: FlowEdge[] = [];
    for (const edge of edges) {
      if (edge.target === node.id) {
        const binding = inner.inputs[edge.targetHandle];
        if (!binding || !isPortBinding(binding)) {
          problem(edge.targetHandle, 'unknown_port', `subflow "${id}" has no input port "${edge.targetHandle}"`);
          continue;
        }
        rewired.push({ ...edge, target: path(binding.node), targetHandle: binding.port });
      } else if (edge.source === node.id) {
        const binding = inner.outputs[edge.sourceHandle];
        if (!binding) {
          problem(edge.sourceHandle, 'unknown_port', `subflow "${id}" has no output "${edge.sourceHandle}"`);
          continue;
        }
        rewired.push({ ...edge, source: path(binding.node), sourceHandle: binding.port });
      } else rewired.push(edge);
    }
    edges = rewired.concat(inner.edges.map((e) => ({ ...e, id: path(e.id), source: path(e.source), target: path(e.target) })));

    // The caller's own inputs and outputs that name this node now name the inner node behind it.
    for (const [name, binding] of Object.entries(inputs)) {
      if (binding.node !== node.id) continue;
      const key = isPortBinding(binding) ? binding.port : binding.param;
      const innerBinding = inner.inputs[key];
      if (!innerBinding || isPortBinding(innerBinding) !== isPortBinding(binding)) {
        issues.push({ nodeId: node.id, field: `inputs.${name}`, code: 'bad_binding', message: `flow input "${name}": subflow "${id}" has no ${isPortBinding(binding) ? 'input port' : 'param input'} "${key}"` });
        continue;
      }
      inputs[name] = { ...innerBinding, node: path(innerBinding.node) };
    }
    for (const [name, binding] of Object.entries(outputs)) {
      if (binding.node !== node.id) continue;
      const innerBinding = inner.outputs[binding.port];
      if (!innerBinding) {
        issues.push({ nodeId: node.id, field: `outputs.${name}`, code: 'bad_binding', message: `flow output "${name}": subflow "${id}" has no output "${binding.port}"` });
        continue;
      }
      outputs[name] = { node: path(innerBinding.node), port: innerBinding.port };
    }
    for (let i = innerNodes.length - 1; i >= 0; i--) work.push({ node: innerNodes[i], chain: [...chain, id] });
  }
  return { flow: { ...flow, nodes, edges, inputs, outputs }, issues };
}
