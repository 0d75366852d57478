// "Make subflow": cut a selection out of a flow into a flow of its own. Edges that cross the cut
// become the inner flow's inputs (port-bound, `{node, port}`) and outputs (`{node, port}`); the
// selection is replaced by one node of type `flow:<id>` wired to the former neighbours. Pure: the
// caller saves the inner flow (which decides its id) and then places the outer flow.
import { isPortBinding } from '../../../model/flow-basics';
import type { Flow, FlowEdge } from '../../../model/flow';

export interface Extraction {
  inner: Flow;
  /** The outer flow, given the saved inner flow's id. */
  outer: (innerId: string) => Flow;
}

function firstFree(taken: Set<string>, base: string): string {
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}_${i}`)) return `${base}_${i}`;
}

const portName = (node: string, port: string) => `${node}_${port}`.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 64);

/** Throws an Error naming what is wrong with the selection. */
export function extractSubflow(flow: Flow, selected: string[], name: string): Extraction {
  const inside = new Set(selected);
  const innerNodes = flow.nodes.filter((n) => inside.has(n.id));
  if (innerNodes.length === 0) throw new Error('Select the nodes to turn into a subflow first');
  if (innerNodes.length === flow.nodes.length) throw new Error('A subflow needs at least one node left outside the selection');

  const inputs: Flow['inputs'] = {};
  const outputs: Flow['outputs'] = {};
  const incoming: Array<{ edge: FlowEdge; input: string }> = [];
  const outgoing: Array<{ edge: FlowEdge; output: string }> = [];
  const innerEdges: FlowEdge[] = [];
  const inputByPort = new Map<string, string>();
  const outputByPort = new Map<string, string>();
  const names = new Set<string>();

  for (const edge of flow.edges) {
    const fromIn = inside.has(edge.source);
    const toIn = inside.has(edge.target);
    if (fromIn && toIn) innerEdges.push(edge);
    else if (toIn) {
      const key = `${edge.target}\0${edge.targetHandle}`;
      let input = inputByPort.get(key);
      if (!input) {
        input = firstFree(names, portName(edge.target, edge.targetHandle ?? 'in'));
        names.add(input);
        inputByPort.set(key, input);
        inputs[input] = { node: edge.target, port: edge.targetHandle ?? '' };
      }
      incoming.push({ edge, input });
    } else if (fromIn) {
      const key = `${edge.source}\0${edge.sourceHandle}`;
      let output = outputByPort.get(key);
      if (!output) {
        output = firstFree(names, portName(edge.source, edge.sourceHandle ?? 'out'));
        names.add(output);
        outputByPort.set(key, output);
        outputs[output] = { node: edge.source, port: edge.sourceHandle ?? '' };
      }
      outgoing.push({ edge, output });
    }
  }
  // The outer flow's own inputs and outputs that name moved nodes follow them into the subflow.
  const movedInputs: Array<[string, string, boolean]> = [];
  for (const [outerName, binding] of Object.entries(flow.inputs ?? {})) {
    if (!inside.has(binding.node)) continue;
    const inner = firstFree(names, outerName);
    names.add(inner);
    inputs[inner] = binding;
    movedInputs.push([outerName, inner, isPortBinding(binding)]);
  }
  const movedOutputs: Array<[string, string]> = [];
  for (const [outerName, binding] of Object.entries(flow.outputs ?? {})) {
    if (!inside.has(binding.node)) continue;
    const key = `${binding.node}\0${binding.port}`;
    let inner = outputByPort.get(key);
    if (!inner) {
      inner = firstFree(names, outerName);
      names.add(inner);
      outputByPort.set(key, inner);
      outputs[inner] = binding;
    }
    movedOutputs.push([outerName, inner]);
  }
  if (Object.keys(outputs).length === 0) throw new Error('Nothing leaves the selection: a subflow needs at least one output (an edge from a selected node to one outside)');

  const inner: Flow = {
    format: flow.format,
    name,
    description: `Made from ${innerNodes.map((n) => n.id).join(', ')} of “${flow.name}”`,
    revision: 0,
    inputs,
    outputs,
    nodes: innerNodes,
    edges: innerEdges,
  };

  return {
    inner,
    outer(innerId) {
      const rest = flow.nodes.filter((n) => !inside.has(n.id));
      const id = firstFree(new Set(rest.map((n) => n.id)), 'sub1');
      const x = innerNodes.reduce((sum, n) => sum + n.position.x, 0) / innerNodes.length;
      const y = innerNodes.reduce((sum, n) => sum + n.position.y, 0) / innerNodes.length;
      // The subflow node's params are the inner flow's param-bound inputs: carry over what the moved nodes held.
      const params: Record<string, unknown> = {};
      for (const [input, binding] of Object.entries(inputs)) {
        if (isPortBinding(binding)) continue;
        const value = innerNodes.find((n) => n.id === binding.node)?.params?.[binding.param];
        if (value !== undefined) params[input] = value;
      }
      const edges = flow.edges.filter((e) => !inside.has(e.source) && !inside.has(e.target));
      for (const { edge, input } of incoming) edges.push({ ...edge, target: id, targetHandle: input });
      for (const { edge, output } of outgoing) edges.push({ ...edge, source: id, sourceHandle: output });
      const outerInputs = { ...flow.inputs };
      for (const [outerName, innerName, port] of movedInputs) outerInputs[outerName] = port ? { node: id, port: innerName } : { node: id, param: innerName };
      const outerOutputs = { ...flow.outputs };
      for (const [outerName, innerName] of movedOutputs) outerOutputs[outerName] = { node: id, port: innerName };
      return {
        ...flow,
        inputs: outerInputs,
        outputs: outerOutputs,
        nodes: [...rest, { id, type: `flow:${innerId}`, position: { x, y }, params }],
        edges,
      };
    },
  };
}
