// The flows the scale-out tests and benchmark run: counting chains, fans with a failing branch,
// retried flaky calls and the shipped offline image pipeline (artifacts through the shared store).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Flow } from '../../model/flow';
import { buildFlow } from '../helpers/flow-builder';

export function countChain(length: number, salt: string, ms = 0): Flow {
  const nodes: Array<[string, string, Record<string, unknown>]> = [];
  const edges: string[] = [];
  for (let i = 0; i < length; i++) {
    nodes.push([`c${i}`, 'test.count', { value: i + 1, ms, salt }]);
    if (i > 0) edges.push(`c${i - 1}.value -> c${i}.add`);
  }
  return buildFlow(nodes, edges, { outputs: { total: { node: `c${length - 1}`, port: 'value' } } });
}

export function fanWithFailure(salt: string): Flow {
  return buildFlow(
    [
      ['a', 'test.count', { value: 2, salt }],
      ['b', 'test.count', { value: 3, salt }],
      ['bad', 'test.fail', { message: `nope ${salt}` }],
      ['after', 'test.number', { value: 1 }],
      ['sum', 'test.count', { value: 10, salt }],
    ],
    ['a.value -> sum.add', 'bad.value -> after.add'],
    { outputs: { sum: { node: 'sum', port: 'value' }, b: { node: 'b', port: 'value' } } },
  );
}

export function flaky(salt: string): Flow {
  return buildFlow([['f', 'test.flaky', { failures: 2 }], ['n', 'test.count', { value: 5, salt }]], [], {
    outputs: { attempts: { node: 'f', port: 'attempts' }, n: { node: 'n', port: 'value' } },
  });
}

export function imagePipeline(flowsDir: string, width: number): Flow {
  const flow = JSON.parse(readFileSync(join(flowsDir, 'local-image-pipeline.json'), 'utf8')) as Flow;
  const resize = flow.nodes.find((node) => node.id === 'resize')!;
  resize.params = { ...resize.params, width };
  return flow;
}

/**
 * A counting chain beside a provider branch (prompt → openai.image → resize): the provider call
 * finishes at once, the chain takes `ms` per node, so a worker killed mid-chain has finished both kinds.
 */
export function chainWithProvider(length: number, salt: string, prompt: string, ms: number): Flow {
  const chain = countChain(length, salt, ms);
  const provider = buildFlow(
    [
      ['p', 'text.prompt', { text: prompt }],
      ['g', 'openai.image', { partialImages: 0 }],
      ['r', 'image.resize', { width: 16 }],
    ],
    ['p.text -> g.prompt', 'g.image -> r.image'],
  );
  return {
    ...chain,
    nodes: [...chain.nodes, ...provider.nodes.map((node) => ({ ...node, position: { x: node.position.x, y: 300 } }))],
    edges: [...chain.edges, ...provider.edges.map((edge) => ({ ...edge, id: `p${edge.id}` }))],
    outputs: { ...chain.outputs, image: { node: 'r', port: 'image' } },
  };
}
