// A few short "key value" lines shown on a node so the canvas reads without the inspector.
import type { JsonSchema } from '../api/types';

export function summariseParams(schema: JsonSchema, params: Record<string, unknown>, max = 3): Array<[string, string]> {
  const lines: Array<[string, string]> = [];
  for (const key of Object.keys(schema.properties ?? {})) {
    const value = params[key];
    if (value === undefined || value === '' || (Array.isArray(value) && !value.length)) continue;
    let text = typeof value === 'string' ? value : JSON.stringify(value);
    if (text.length > 60) text = text.slice(0, 60) + '…';
    lines.push([key, text]);
    if (lines.length >= max) break;
  }
  return lines;
}
