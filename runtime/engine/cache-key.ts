// Cache key = sha256(node type + version + params + input values, artifacts by hash only).
import { createHash } from 'node:crypto';
import { isArtifact } from '../../model/artifact';

export function cacheKey(type: string, version: number, params: unknown, inputs: Record<string, unknown>): string {
  return createHash('sha256')
    .update(stableJson([type, version, params, inputs]))
    .digest('hex');
}

/** JSON with sorted keys; an artifact handle stands for its hash alone (its URL may differ by host). */
export function stableJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (isArtifact(value)) return `{"artifact":${JSON.stringify(value.artifact)}}`;
  const keys = Object.keys(value).sort();
  let out = '{';
  for (const key of keys) {
    const v = (value as Record<string, unknown>)[key];
    if (v === undefined) continue;
    if (out.length > 1) out += ',';
    out += `${JSON.stringify(key)}:${stableJson(v)}`;
  }
  return out + '}';
}
