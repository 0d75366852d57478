// Node types by name, and the catalog the editor draws every node from (GET /api/nodes).
import { z } from 'zod';
import { DATA_TYPES, type AnyNodeDefinition } from '../../nodes/api';

/** A node definition as data: what GET /api/nodes serves (params as JSON Schema, no `run`). */
export type CatalogEntry = Pick<AnyNodeDefinition, 'type' | 'title' | 'category' | 'description' | 'version' | 'inputs' | 'outputs'> & {
  params: Record<string, unknown>;
  deterministic: boolean | 'params';
};

/** A node's params as the catalog serves them: JSON Schema of what a caller may send. */
export function paramsJsonSchema(def: AnyNodeDefinition): Record<string, unknown> {
  return z.toJSONSchema(def.params, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}

/** A node's params JSON Schema computed ahead (runtime/params-snapshot.ts), or undefined to convert it here. */
export type ParamsSchemaLookup = (def: AnyNodeDefinition) => Record<string, unknown> | undefined;

export class NodeRegistry {
  private readonly byType = new Map<string, AnyNodeDefinition>();
  private catalogCache?: CatalogEntry[];

  constructor(
    definitions: AnyNodeDefinition[],
    private readonly precomputedParams: ParamsSchemaLookup = () => undefined,
  ) {
    for (const def of definitions) this.add(def);
  }

  add(def: AnyNodeDefinition): void {
    if (this.byType.has(def.type)) throw new Error(`node type "${def.type}" is registered twice`);
    for (const [name, port] of [...Object.entries(def.inputs), ...Object.entries(def.outputs)]) {
      if (!DATA_TYPES.includes(port.type)) throw new Error(`node type "${def.type}" port "${name}" has unknown data type "${port.type}"`);
    }
    this.byType.set(def.type, def);
    this.catalogCache = undefined;
  }

  get(type: string): AnyNodeDefinition | undefined {
    return this.byType.get(type);
  }

  types(): string[] {
    return [...this.byType.keys()];
  }

  catalog(): CatalogEntry[] {
    this.catalogCache ??= [...this.byType.values()].map((def) => ({
      type: def.type,
      title: def.title,
      category: def.category,
      description: def.description,
      version: def.version,
      inputs: def.inputs,
      outputs: def.outputs,
      params: this.precomputedParams(def) ?? paramsJsonSchema(def),
      deterministic: typeof def.deterministic === 'function' ? 'params' : def.deterministic,
    }));
    return this.catalogCache;
  }
}
