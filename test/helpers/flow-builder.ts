// Terse flow documents for tests: nodes as [id, type, params?], edges as "a.out -> b.in".
import type { Flow } from '../../model/flow';

export function buildFlow(
  nodes: Array<[string, string, Record<string, unknown>?]>,
  edges: string[] = [],
  extra: Partial<Pick<Flow, 'inputs' | 'outputs' | 'name'>> = {},
): Flow {
  return {
    format: 'atelier.flow/1',
    name: extra.name ?? 'test flow',
    revision: 0,
    inputs: extra.inputs ?? {},
    outputs: extra.outputs ?? {},
    nodes: nodes.map(([id, type, params], i) => ({ id, type, position: { x: i * 200, y: 0 }, params: params ?? {} })),
    edges: edges.map((spec, i) => {
      const match = /^(\S+)\.(\S+)\s*->\s*(\S+)\.(\S+)$/.exec(spec);
      if (!match) throw new Error(`bad edge spec ${spec}`);
      return { id: `e${i}`, source: match[1], sourceHandle: match[2], target: match[3], targetHandle: match[4] };
    }),
  };
}
