// A node's outputs checked against its declared ports: the types say so at compile time, this says so
// at run time (a node compiled elsewhere, an `any` slipping through). The problem names the port.
import { ARTIFACT_TYPES, isArtifact, type AnyNodeDefinition, type Outputs } from '../../nodes/api';

export class OutputError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
    this.name = 'OutputError';
  }
}

/** The first problem with `outputs`, or undefined when they match the node's output ports. */
export function checkOutputs(def: AnyNodeDefinition, outputs: unknown): OutputError | undefined {
  if (!outputs || typeof outputs !== 'object' || Array.isArray(outputs)) return new OutputError(`${def.type} returned no outputs object`, 'outputs');
  const values = outputs as Outputs;
  for (const name in values) {
    if (!Object.hasOwn(def.outputs, name)) {
      const declared = Object.keys(def.outputs);
      return new OutputError(`${def.type} returned an undeclared output "${name}" (it declares: ${declared.length ? declared.join(', ') : 'none'})`, name);
    }
  }
  for (const name in def.outputs) {
    const port = def.outputs[name];
    const value = values[name];
    if (value === undefined) {
      if (!port.optional) return new OutputError(`${def.type} returned no value for output "${name}"`, name);
      continue;
    }
    const expected = ARTIFACT_TYPES.has(port.type) ? isArtifact(value) : port.type === 'text' ? typeof value === 'string' : port.type === 'number' ? typeof value === 'number' : true;
    if (!expected) {
      const kind = ARTIFACT_TYPES.has(port.type) ? `an artifact (${port.type})` : `a ${port.type === 'text' ? 'string' : 'number'}`;
      return new OutputError(`${def.type} output "${name}" must be ${kind}, got ${describe(value)}`, name);
    }
  }
  return undefined;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}

/** The outputs without ports set to undefined (an optional output left out), copied only when needed. */
export function withoutUndefined(outputs: Outputs): Outputs {
  for (const name in outputs) {
    if (outputs[name] === undefined) {
      const copy: Outputs = {};
      for (const key in outputs) if (outputs[key] !== undefined) copy[key] = outputs[key];
      return copy;
    }
  }
  return outputs;
}
