// The node and flow the engine benchmarks run: a chain of `bench.inc` nodes, each adding 1.
import { z } from 'zod';
import { defineNode } from '../nodes/api';
import type { Flow } from '../model/flow';

export const increment = defineNode({
  type: 'bench.inc',
  title: 'Increment',
  category: 'bench',
  description: 'n + 1',
  version: 1,
  inputs: { n: { type: 'number', optional: true, default: 0 } },
  outputs: { n: { type: 'number' } },
  params: z.object({ salt: z.number().default(0) }),
  deterministic: true,
  concurrency: { limit: 1000 },
  async run(_ctx, inputs) {
    return { n: inputs.n + 1 };
  },
});

/** `length` increments in a chain; a new `salt` makes every node's cache key new. Its output `n` is `length`. */
export function chain(length: number, salt: number): Flow {
  const nodes = Array.from({ length }, (_, i) => ({ id: `n${i}`, type: 'bench.inc', position: { x: i * 10, y: 0 }, params: { salt } }));
  const edges = nodes.slice(1).map((n, i) => ({ id: `e${i}`, source: `n${i}`, sourceHandle: 'n', target: n.id, targetHandle: 'n' }));
  return { format: 'atelier.flow/1', name: 'chain', revision: 0, inputs: {}, outputs: { n: { node: `n${length - 1}`, port: 'n' } }, nodes, edges };
}
