// The parts of the flow document that need no schema library: its format tag, limits the editor
// shows, and helpers. Kept apart from flow.ts so the editor's first page load does not pull in zod
// (it loads flow.ts's schema only to import a file).
import type { Flow, FlowInputBinding, FlowPortBinding } from './flow';

export const FLOW_FORMAT = 'atelier.flow/1';

export const MAX_ANNOTATIONS = 500;
export const MAX_NOTE_TEXT = 10_000;
export const MAX_GROUP_TITLE = 200;
/**
 * The most bytes of JSON a flow (a request carrying one, a flow file) may take: room for a flow at the
 * node and edge limits as people write it. A 100,000-node chain is ~20 MiB compact and ~33 MiB as the
 * editor saves it (sorted keys, two-space indent); 100,000 nodes with 200,000 edges ~48 MiB saved.
 */
export const MAX_FLOW_JSON_BYTES = 64 * 1024 * 1024;

export function isPortBinding(binding: FlowInputBinding): binding is FlowPortBinding {
  return 'port' in binding && typeof binding.port === 'string';
}

/** Serialises with sorted object keys and a trailing newline, so saved flows diff cleanly. */
export function stringifyFlow(flow: Flow): string {
  return JSON.stringify(sortKeys(flow), null, 2) + '\n';
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/** Derives a flow id from a display name: "Hat to 3D!" → "hat-to-3d". */
export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return slug || 'flow';
}
