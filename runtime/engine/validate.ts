// Validation before anything runs: every problem at once, each with node id and field.
import type { Credentials } from '../../nodes/api';
import type { Flow } from '../../model/flow';
import type { NodeRegistry } from './registry';
import { canConnect } from '../../model/data-types';
import { nodesOnCycles } from './cycles';

export interface ValidationIssue {
  nodeId?: string;
  field?: string;
  code:
    | 'duplicate_id'
    | 'unknown_type'
    | 'unknown_node'
    | 'unknown_port'
    | 'type_mismatch'
    | 'multiple_links'
    | 'missing_input'
    | 'invalid_param'
    | 'cycle'
    | 'bad_binding'
    | 'unknown_input'
    | 'credentials';
  message: string;
}

export interface ValidateOptions {
  registry: NodeRegistry;
  credentials?: Credentials;
  /** Only these nodes will run: required inputs, params and credentials are checked for them alone. */
  nodesToRun?: ReadonlySet<string>;
  /** Filled with each checked node's parsed params (defaults applied), so the run need not parse them again. */
  parsedParams?: Map<string, unknown>;
}

export function validateFlow(flow: Flow, options: ValidateOptions): ValidationIssue[] {
  const { registry } = options;
  const issues: ValidationIssue[] = [];
  const nodes = new Map(flow.nodes.map((n) => [n.id, n]));
  if (nodes.size !== flow.nodes.length) {
    const seen = new Set<string>();
    for (const node of flow.nodes) {
      if (seen.has(node.id)) issues.push({ nodeId: node.id, code: 'duplicate_id', message: `two nodes have the id "${node.id}"` });
      seen.add(node.id);
    }
  }
  for (const node of flow.nodes) {
    if (!registry.get(node.type)) {
      issues.push({ nodeId: node.id, field: 'type', code: 'unknown_type', message: `unknown node type "${node.type}"` });
    }
  }

  const linked = new Map<string, string>(); // "node.port" → edge id
  for (const edge of flow.edges) {
    const source = nodes.get(edge.source);
    const target = nodes.get(edge.target);
    if (!source || !target) {
      const missing = !source ? edge.source : edge.target;
      issues.push({ nodeId: missing, field: `edges.${edge.id}`, code: 'unknown_node', message: `edge ${edge.id} refers to a node "${missing}" that does not exist` });
      continue;
    }
    const sourceDef = registry.get(source.type);
    const targetDef = registry.get(target.type);
    if (!sourceDef || !targetDef) continue;
    const out = sourceDef.outputs[edge.sourceHandle];
    const inp = targetDef.inputs[edge.targetHandle];
    if (!out) {
      issues.push({ nodeId: source.id, field: edge.sourceHandle, code: 'unknown_port', message: `${source.type} has no output "${edge.sourceHandle}"` });
    }
    if (!inp) {
      issues.push({ nodeId: target.id, field: edge.targetHandle, code: 'unknown_port', message: `${target.type} has no input "${edge.targetHandle}"` });
    }
    if (out && inp && !canConnect(out.type, inp.type)) {
      issues.push({
        nodeId: target.id,
        field: edge.targetHandle,
        code: 'type_mismatch',
        message: `input "${edge.targetHandle}" takes ${inp.type}, but ${source.id}.${edge.sourceHandle} gives ${out.type}`,
      });
    }
    const slot = `${target.id}\u0000${edge.targetHandle}`;
    if (linked.has(slot)) {
      issues.push({ nodeId: target.id, field: edge.targetHandle, code: 'multiple_links', message: `input "${edge.targetHandle}" has more than one link` });
    }
    linked.set(slot, edge.id);
  }

  for (const id of nodesOnCycles([...nodes.keys()], flow.edges)) {
    issues.push({ nodeId: id, code: 'cycle', message: `node ${id} is part of a cycle` });
  }

  for (const node of flow.nodes) {
    const def = registry.get(node.type);
    if (!def || (options.nodesToRun && !options.nodesToRun.has(node.id))) continue;
    for (const [name, port] of Object.entries(def.inputs)) {
      if (!port.optional && !linked.has(`${node.id}\u0000${name}`)) {
        issues.push({ nodeId: node.id, field: name, code: 'missing_input', message: `required input "${name}" (${port.type}) is not connected` });
      }
    }
    const parsed = def.params.safeParse(node.params ?? {});
    if (!parsed.success) {
      for (const problem of parsed.error.issues) {
        const field = problem.path.length ? problem.path.join('.') : 'params';
        issues.push({ nodeId: node.id, field, code: 'invalid_param', message: `${field}: ${problem.message}` });
      }
    } else {
      options.parsedParams?.set(node.id, parsed.data);
      if (!def.preflight || !options.credentials) continue;
      for (const problem of def.preflight(parsed.data, options.credentials)) {
        issues.push({ nodeId: node.id, field: problem.field, code: 'credentials', message: problem.message });
      }
    }
  }

  for (const [name, binding] of Object.entries(flow.inputs)) {
    const node = nodes.get(binding.node);
    if (!node) issues.push({ field: `inputs.${name}`, code: 'bad_binding', message: `flow input "${name}" refers to a node "${binding.node}" that does not exist` });
  }
  for (const [name, binding] of Object.entries(flow.outputs)) {
    const node = nodes.get(binding.node);
    const def = node && registry.get(node.type);
    if (!node) issues.push({ field: `outputs.${name}`, code: 'bad_binding', message: `flow output "${name}" refers to a node "${binding.node}" that does not exist` });
    else if (def && !def.outputs[binding.port]) {
      issues.push({ nodeId: node.id, field: `outputs.${name}`, code: 'bad_binding', message: `flow output "${name}": ${node.type} has no output "${binding.port}"` });
    }
  }
  return issues;
}
