// The built-in node types' params as JSON Schema, computed once by `npm run build` (scripts/build.js)
// into dist/params-schemas.json, so a compiled `atelier serve` does not convert every node's zod
// schema at its first GET /api/nodes (z.toJSONSchema over every built-in node, the largest part of
// that first answer). The snapshot names the build that made it; the compiled CLI uses an entry only
// for the very definition objects of the built-in nodes, of the same type and version, from a
// snapshot of its own build, and converts anything else as before (extra node types, the sources run
// through tsx, a dist/ whose files come from different builds). test/cli-startup.test.ts checks that
// the snapshot equals what the sources compute.
import { readFileSync } from 'node:fs';
import type { AnyNodeDefinition } from '../nodes/api';
import { paramsJsonSchema, type ParamsSchemaLookup } from './engine/registry';

/** Set by scripts/build.js in dist/cli.cjs only (esbuild `define`): the id of that build. */
declare const __ATELIER_BUILD_ID__: string | undefined;

export const PARAMS_SNAPSHOT_FILE = 'params-schemas.json';

export interface ParamsSnapshot {
  build: string;
  nodes: Record<string, { version: number; params: Record<string, unknown> }>;
}

export function makeParamsSnapshot(build: string, defs: AnyNodeDefinition[]): ParamsSnapshot {
  return { build, nodes: Object.fromEntries(defs.map((def) => [def.type, { version: def.version, params: paramsJsonSchema(def) }])) };
}

/**
 * The snapshot beside the compiled CLI as a lookup for `builtins`, read on first use; it answers
 * undefined outside a build, or when the file is missing, unreadable or from another build (then
 * every schema is converted).
 */
export function paramsSnapshotLookup(builtins: readonly AnyNodeDefinition[]): ParamsSchemaLookup {
  const build = typeof __ATELIER_BUILD_ID__ === 'string' ? __ATELIER_BUILD_ID__ : undefined;
  const known = new Set(builtins);
  let nodes: ParamsSnapshot['nodes'] | null | undefined;
  return (def) => {
    if (!build || !known.has(def)) return undefined;
    nodes ??= readSnapshot(build);
    if (!nodes || !Object.hasOwn(nodes, def.type)) return undefined;
    const entry = nodes[def.type];
    return entry.version === def.version ? entry.params : undefined;
  };
}

/** The snapshot's nodes, or null when it is missing, unreadable or not this build's. */
function readSnapshot(build: string): ParamsSnapshot['nodes'] | null {
  try {
    const snapshot = JSON.parse(readFileSync(new URL(PARAMS_SNAPSHOT_FILE, import.meta.url), 'utf8')) as Partial<ParamsSnapshot> | null;
    return snapshot?.build === build && typeof snapshot.nodes === 'object' && snapshot.nodes !== null ? snapshot.nodes : null;
  } catch {
    return null;
  }
}
