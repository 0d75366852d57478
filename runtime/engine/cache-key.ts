// Cache key = sha256(node type + version + params + input values, artifacts by hash only), plus what
// the node's own `cacheKey` says its result depends on (e.g. the backend that will serve).
import { hash } from 'node:crypto';
import { isArtifact } from '../../model/artifact';
import { primitiveJson } from './primitive-json';

/** Deeper values are refused (a cyclic value would be infinitely deep). The server caps JSON at 64. */
export const MAX_KEY_DEPTH = 10_000;

export function cacheKey(type: string, version: number, params: unknown, inputs: Record<string, unknown>, extra?: string): string {
  // stableJson([type, version, params, inputs(, extra)]), written directly: params and inputs are
  // mostly flat records, and this runs once per node. Without `extra` the key is what it always was.
  let text = `[${primitiveJson(type)},${primitiveJson(version)},${recordJson(params)},${recordJson(inputs)}`;
  if (extra !== undefined) text += `,${primitiveJson(extra)}`;
  // The one-shot hash (Node 20.12+) costs half of createHash's object, update and digest.
  return hash('sha256', `${text}]`, 'hex');
}

/** stableJson of a record whose values are mostly primitives or artifacts; anything deeper goes to stableJson. */
function recordJson(value: unknown): string {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || isArtifact(value)) return stableJson(value);
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = '{';
  for (const key of keys) {
    const item = record[key];
    if (item === undefined) continue;
    if (out.length > 1) out += ',';
    out += `${primitiveJson(key)}:`;
    if (item === null || typeof item !== 'object') out += primitiveJson(item);
    else if (isArtifact(item)) out += `{"artifact":${primitiveJson(item.artifact)}}`;
    else out += stableJson(item);
  }
  return `${out}}`;
}

/** Text written as is between values (brackets, commas, keys). */
class Raw {
  constructor(readonly text: string) {}
}
const CLOSE_ARRAY = new Raw(']');
const CLOSE_OBJECT = new Raw('}');
const COMMA = new Raw(',');

/**
 * JSON with sorted keys; an artifact handle stands for its hash alone (its URL may differ by host).
 * Iterative (an explicit stack of pending items), so a deeply nested value cannot overflow the call stack.
 */
export function stableJson(value: unknown): string {
  let out = '';
  // Pairs of (item, depth), popped from the end: items are pushed in reverse of their output order.
  const stack: unknown[] = [value, 0];
  while (stack.length > 0) {
    const depth = stack.pop() as number;
    const item = stack.pop();
    if (item instanceof Raw) {
      out += item.text;
      continue;
    }
    if (item === undefined) {
      out += 'null';
      continue;
    }
    if (item === null || typeof item !== 'object') {
      out += primitiveJson(item);
      continue;
    }
    if (depth >= MAX_KEY_DEPTH) throw new Error(`value nested deeper than ${MAX_KEY_DEPTH} levels`);
    if (Array.isArray(item)) {
      stack.push(CLOSE_ARRAY, 0);
      for (let i = item.length - 1; i >= 0; i--) {
        stack.push(item[i], depth + 1);
        if (i > 0) stack.push(COMMA, 0);
      }
      out += '[';
      continue;
    }
    if (isArtifact(item)) {
      out += `{"artifact":${primitiveJson(item.artifact)}}`;
      continue;
    }
    const record = item as Record<string, unknown>;
    const keys = Object.keys(record)
      .filter((key) => record[key] !== undefined)
      .sort();
    stack.push(CLOSE_OBJECT, 0);
    for (let i = keys.length - 1; i >= 0; i--) {
      stack.push(record[keys[i]], depth + 1);
      stack.push(new Raw(`${i > 0 ? ',' : ''}${primitiveJson(keys[i])}:`), 0);
    }
    out += '{';
  }
  return out;
}
