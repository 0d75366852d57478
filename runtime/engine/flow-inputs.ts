// A flow's `inputs`: values for params ({node, param}) and for unconnected input ports ({node, port}).
// Param values land in the node's params; port values become preset node inputs the scheduler starts with.
import { ARTIFACT_TYPES, isArtifact, type Artifact, type DataType } from '../../nodes/api';
import { isPortBinding, type Flow } from '../../model/flow';
import { hasKeys } from '../../model/has-keys';
import type { NodeRegistry } from './registry';
import { ownPort, type ValidationIssue } from './validate';

const HASH = /^[0-9a-f]{64}$/;

export interface InputArtifacts {
  get(hash: string): Artifact | undefined;
}

export interface AppliedInputs {
  flow: Flow;
  /** Values for port-bound inputs, by node id then port. */
  presets: Map<string, Record<string, unknown>>;
  /** "node\0port" of every port a flow input binds: validation must not call them unconnected. */
  boundPorts: Set<string>;
  issues: ValidationIssue[];
}

export function portKey(nodeId: string, port: string): string {
  return `${nodeId}\u0000${port}`;
}

export function applyFlowInputs(flow: Flow, values: Record<string, unknown>, registry: NodeRegistry, artifacts: InputArtifacts): AppliedInputs {
  // Nothing declared, nothing given: the flow runs as it is (no copy of every node).
  if (!hasKeys(flow.inputs) && !hasKeys(values)) return { flow, presets: new Map(), boundPorts: new Set(), issues: [] };
  const issues: ValidationIssue[] = [];
  const presets = new Map<string, Record<string, unknown>>();
  const boundPorts = new Set<string>();
  const nodes = flow.nodes.map((n) => ({ ...n, params: { ...n.params } }));
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const connected = new Set(flow.edges.map((e) => portKey(e.target, e.targetHandle)));

  for (const name of Object.keys(values)) {
    if (Object.hasOwn(flow.inputs, name)) continue; // not `flow.inputs[name]`: "constructor" is on every object
    const known = Object.keys(flow.inputs);
    issues.push({ field: `inputs.${name}`, code: 'unknown_input', message: `this flow has no input "${name}"${known.length ? ` (it has: ${known.join(', ')})` : ' (it declares no inputs)'}` });
  }

  for (const [name, binding] of Object.entries(flow.inputs)) {
    const node = byId.get(binding.node);
    if (!node) continue; // validation reports the dangling binding
    const def = registry.get(node.type);
    const given = Object.hasOwn(values, name);
    if (!isPortBinding(binding)) {
      if (given) node.params[binding.param] = paramValue(values[name], node.params, binding.param, def?.params);
      continue;
    }
    if (!def) continue; // unknown_type is reported by validation
    const field = `inputs.${name}`;
    const port = ownPort(def.inputs, binding.port);
    if (!port) {
      issues.push({ nodeId: node.id, field, code: 'bad_binding', message: `flow input "${name}": ${node.type} has no input port "${binding.port}"` });
      continue;
    }
    const key = portKey(node.id, binding.port);
    if (connected.has(key)) {
      issues.push({ nodeId: node.id, field, code: 'bad_binding', message: `flow input "${name}" binds ${node.id}.${binding.port}, which an edge already feeds; a port-bound input needs an unconnected port` });
      continue;
    }
    boundPorts.add(key);
    if (!given || values[name] === undefined || values[name] === null) {
      if (!port.optional) issues.push({ nodeId: node.id, field, code: 'missing_input', message: `flow input "${name}" (${port.type}) is required: pass it in inputs` });
      continue;
    }
    const coerced = portValue(values[name], port.type, artifacts);
    if ('problem' in coerced) {
      issues.push({ nodeId: node.id, field, code: 'type_mismatch', message: `flow input "${name}" takes ${port.type}: ${coerced.problem}` });
      continue;
    }
    presets.set(node.id, { ...presets.get(node.id), [binding.port]: coerced.value });
  }
  return { flow: { ...flow, nodes }, presets, boundPorts, issues };
}

/** Drops "required input is not connected" for ports a flow input feeds (they are checked above, by input name). */
export function withoutBoundPorts(issues: ValidationIssue[], boundPorts: ReadonlySet<string>): ValidationIssue[] {
  return issues.filter((i) => !(i.code === 'missing_input' && i.nodeId !== undefined && i.field !== undefined && boundPorts.has(portKey(i.nodeId, i.field))));
}

/** A string that fails the param's schema is tried as JSON (CLI and query values are strings). */
function paramValue(value: unknown, params: Record<string, unknown>, param: string, schema?: { safeParse(v: unknown): { success: boolean } }): unknown {
  if (typeof value !== 'string' || !schema || schema.safeParse({ ...params, [param]: value }).success) return value;
  try {
    const parsed = JSON.parse(value);
    if (schema.safeParse({ ...params, [param]: parsed }).success) return parsed;
  } catch {
    // not JSON: keep the string; validation names the field
  }
  return value;
}

function portValue(value: unknown, type: DataType, artifacts: InputArtifacts): { value: unknown } | { problem: string } {
  if (ARTIFACT_TYPES.has(type)) {
    const hash = typeof value === 'string' ? value : isArtifact(value) ? value.artifact : undefined;
    if (hash === undefined || !HASH.test(hash)) return { problem: 'give an artifact hash (64 lowercase hex, from POST /api/uploads) or an artifact object' };
    const artifact = artifacts.get(hash);
    if (!artifact) return { problem: `artifact ${hash} is not in the store; upload it first (POST /api/uploads, or --input name=@file on the CLI)` };
    const isImage = artifact.mediaType.startsWith('image/');
    if ((type === 'model3d') === isImage) return { problem: `artifact ${hash} is ${artifact.mediaType}` };
    return { value: artifact };
  }
  switch (type) {
    case 'text':
      return typeof value === 'string' ? { value } : { problem: `got ${describe(value)}` };
    case 'number': {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      return typeof n === 'number' && Number.isFinite(n) ? { value: n } : { problem: `got ${describe(value)}` };
    }
    case 'json':
      if (typeof value !== 'string') return { value };
      try {
        return { value: JSON.parse(value) };
      } catch {
        return { value };
      }
    default:
      return { value };
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `the text ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`;
}
