// A few short "key value" lines shown on a node so the canvas reads without the inspector.
import type { JsonSchema } from '../api/types';

export function summariseParams(schema: JsonSchema, params: Record<string, unknown>, max = 3): Array<[string, string]> {
  const lines: Array<[string, string]> = [];
  for (const key of Object.keys(schema.properties ?? {})) {
    const value = params[key];
    if (value === undefined || value === '' || (Array.isArray(value) && !value.length)) continue;
    // Widget hints say how a value reads best: an uploaded image, a count of clicks.
    const widget = schema.properties?.[key]?.widget;
    let text =
      widget === 'image-upload' ? 'uploaded image' : widget === 'points' && Array.isArray(value) ? `${value.length} point${value.length === 1 ? '' : 's'}` : typeof value === 'string' ? value : JSON.stringify(value);
    if (text.length > 60) text = text.slice(0, 60) + '…';
    lines.push([key, text]);
    if (lines.length >= max) break;
  }
  return lines;
}
