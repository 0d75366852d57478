// Validation before anything runs: every problem at once, each with node id and field.
import type { AnyNodeDefinition, Credentials } from '../../nodes/api';
import type { Flow } from '../../model/flow';
import type { NodeRegistry } from './registry';
import { canConnect } from '../../model/data-types';
import { positionsOnCycles } from './cycles';
import { FlowIndex } from './flow-index';
import type { PlanNodes } from './plan';

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
  nodesToRun?: PlanNodes;
  /** Filled with each checked node's parsed params (defaults applied) at its position in flow.nodes, so the run need not parse them again. */
  parsedParams?: unknown[];
  /** The flow's index, when the caller has built one (the run shares it with the scheduler). */
  index?: FlowIndex;
}

export function validateFlow(flow: Flow, options: ValidateOptions): ValidationIssue[] {
  const { registry } = options;
  const issues: ValidationIssue[] = [];
  const index = options.index ?? new FlowIndex(flow.nodes, flow.edges);
  const nodeById = (id: string) => {
    const position = index.position.get(id);
    return position === undefined ? undefined : flow.nodes[position];
  };
  if (index.hasDuplicateIds) {
    const seen = new Set<string>();
    for (const node of flow.nodes) {
      if (seen.has(node.id)) issues.push({ nodeId: node.id, code: 'duplicate_id', message: `two nodes have the id "${node.id}"` });
      seen.add(node.id);
    }
  }
  const defs = flow.nodes.map((node) => registry.get(node.type));
  for (let i = 0; i < defs.length; i++) {
    const node = flow.nodes[i];
    if (!defs[i]) issues.push({ nodeId: node.id, field: 'type', code: 'unknown_type', message: `unknown node type "${node.type}"` });
  }

  const linked = new LinkedInputs(defs);
  for (let e = 0; e < flow.edges.length; e++) {
    const edge = flow.edges[e];
    const sourceAt = index.edgeSource[e];
    const targetAt = index.edgeTarget[e];
    if (sourceAt < 0 || targetAt < 0) {
      const missing = sourceAt < 0 ? edge.source : edge.target;
      issues.push({ nodeId: missing, field: `edges.${edge.id}`, code: 'unknown_node', message: `edge ${edge.id} refers to a node "${missing}" that does not exist` });
      continue;
    }
    const source = flow.nodes[sourceAt];
    const target = flow.nodes[targetAt];
    const sourceDef = defs[sourceAt];
    const targetDef = defs[targetAt];
    if (!sourceDef || !targetDef) continue;
    const out = ownPort(sourceDef.outputs, edge.sourceHandle);
    const inp = ownPort(targetDef.inputs, edge.targetHandle);
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
    if (!linked.link(targetAt, target.id, edge.targetHandle)) {
      issues.push({ nodeId: target.id, field: edge.targetHandle, code: 'multiple_links', message: `input "${edge.targetHandle}" has more than one link` });
    }
  }

  for (const position of positionsOnCycles(index)) {
    const id = flow.nodes[position].id;
    issues.push({ nodeId: id, code: 'cycle', message: `node ${id} is part of a cycle` });
  }

  // A plan of every node (ids unique, so the sizes match only then) needs no lookup per node.
  const only = options.nodesToRun?.size === flow.nodes.length ? undefined : options.nodesToRun;
  for (let i = 0; i < flow.nodes.length; i++) {
    const node = flow.nodes[i];
    const def = defs[i];
    if (!def || (only && !only.has(node.id))) continue;
    const ports = inputPortsOf(def);
    for (let p = 0; p < ports.names.length; p++) {
      const name = ports.names[p];
      const port = def.inputs[name];
      if (!port.optional && !linked.isLinked(i, p)) {
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
      if (options.parsedParams) options.parsedParams[i] = unchangedByParse(parsed.data, node.params) ? node.params : parsed.data;
      if (!def.preflight || !options.credentials) continue;
      for (const problem of def.preflight(parsed.data, options.credentials)) {
        issues.push({ nodeId: node.id, field: problem.field, code: 'credentials', message: problem.message });
      }
    }
  }

  for (const [name, binding] of Object.entries(flow.inputs)) {
    const node = nodeById(binding.node);
    if (!node) issues.push({ field: `inputs.${name}`, code: 'bad_binding', message: `flow input "${name}" refers to a node "${binding.node}" that does not exist` });
  }
  for (const [name, binding] of Object.entries(flow.outputs)) {
    const node = nodeById(binding.node);
    const def = node && registry.get(node.type);
    if (!node) issues.push({ field: `outputs.${name}`, code: 'bad_binding', message: `flow output "${name}" refers to a node "${binding.node}" that does not exist` });
    else if (def && !ownPort(def.outputs, binding.port)) {
      issues.push({ nodeId: node.id, field: `outputs.${name}`, code: 'bad_binding', message: `flow output "${name}": ${node.type} has no output "${binding.port}"` });
    }
  }
  return issues;
}

interface InputPorts {
  names: string[];
  position: Map<string, number>;
}

const inputPorts = new WeakMap<AnyNodeDefinition, InputPorts>();

/** A node type's input ports in declaration order, and each name's position: computed once per type. */
function inputPortsOf(def: AnyNodeDefinition): InputPorts {
  let ports = inputPorts.get(def);
  if (!ports) {
    const names = Object.keys(def.inputs);
    ports = { names, position: new Map(names.map((name, i) => [name, i])) };
    inputPorts.set(def, ports);
  }
  return ports;
}

/**
 * Which input ports have a link: a flag per declared port of every node (node i's ports start at
 * first[i]), so no string key is built per edge. Links to undeclared ports (reported as unknown_port)
 * are kept by "node\0port" key, so a second one still counts as multiple links.
 */
class LinkedInputs {
  private readonly first: Int32Array;
  private readonly flags: Uint8Array;
  private undeclared?: Set<string>;

  constructor(private readonly defs: ReadonlyArray<AnyNodeDefinition | undefined>) {
    this.first = new Int32Array(defs.length + 1);
    for (let i = 0; i < defs.length; i++) this.first[i + 1] = this.first[i] + (defs[i] ? inputPortsOf(defs[i]!).names.length : 0);
    this.flags = new Uint8Array(this.first[defs.length]);
  }

  /** Records a link into the port; false when it already had one. */
  link(node: number, nodeId: string, port: string): boolean {
    const def = this.defs[node];
    const declared = def ? inputPortsOf(def).position.get(port) : undefined;
    if (declared === undefined) {
      const key = `${nodeId}\u0000${port}`;
      this.undeclared ??= new Set();
      if (this.undeclared.has(key)) return false;
      this.undeclared.add(key);
      return true;
    }
    const slot = this.first[node] + declared;
    if (this.flags[slot] === 1) return false;
    this.flags[slot] = 1;
    return true;
  }

  isLinked(node: number, declared: number): boolean {
    return this.flags[this.first[node] + declared] === 1;
  }
}

/**
 * Whether parsing gave back the params as sent: the same keys, each with the same value (no default
 * added, no key dropped, nothing copied or transformed). A run then keeps the flow's own object
 * instead of a copy: a burst's queued runs kept ~450 bytes of parsed copies each (ten nodes).
 */
function unchangedByParse(parsed: unknown, sent: unknown): sent is Record<string, unknown> {
  if (typeof parsed !== 'object' || parsed === null || typeof sent !== 'object' || sent === null) return false;
  if (Object.getPrototypeOf(parsed) !== Object.getPrototypeOf(sent)) return false;
  let keys = 0;
  for (const key in parsed) {
    if (!Object.hasOwn(parsed, key)) continue;
    if (!Object.hasOwn(sent, key) || (parsed as Record<string, unknown>)[key] !== (sent as Record<string, unknown>)[key]) return false;
    keys++;
  }
  for (const key in sent) if (Object.hasOwn(sent, key) && --keys < 0) return false;
  return keys === 0;
}

/** The node's port of that name; never one every object has ("toString", "valueOf"): a handle is any string a flow file holds. */
export function ownPort<Port>(ports: Record<string, Port>, name: string): Port | undefined {
  return Object.hasOwn(ports, name) ? ports[name] : undefined;
}
