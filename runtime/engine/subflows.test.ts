import { describe, expect, it } from 'vitest';
import type { Flow } from '../../model/flow';
import { buildFlow } from '../../test/helpers/flow-builder';
import { expandSubflows, MAX_EXPANDED_NODES } from './subflows';

const source = (flows: Record<string, Flow>) => ({
  get(id: string) {
    if (!flows[id]) throw new Error(`no flow "${id}"`);
    return flows[id];
  },
});

describe('expandSubflows', () => {
  it('rewires edges and the caller\'s own inputs and outputs to the inner nodes', () => {
    const inner = buildFlow([['r', 'image.resize', { width: 10 }]], [], {
      inputs: { photo: { node: 'r', port: 'image' }, width: { node: 'r', param: 'width' } },
      outputs: { small: { node: 'r', port: 'image' } },
    });
    const outer = buildFlow([['s', 'flow:inner', { width: 20 }], ['o', 'output']], ['s.small -> o.value'], {
      inputs: { picture: { node: 's', port: 'photo' }, size: { node: 's', param: 'width' } },
      outputs: { result: { node: 's', port: 'small' } },
    });
    const { flow, issues } = expandSubflows(outer, source({ inner }));
    expect(issues).toEqual([]);
    expect(flow.nodes.map((n) => [n.id, n.type, n.params])).toEqual([['s/r', 'image.resize', { width: 20 }], ['o', 'output', {}]]);
    expect(flow.edges).toEqual([expect.objectContaining({ source: 's/r', sourceHandle: 'image', target: 'o', targetHandle: 'value' })]);
    expect(flow.inputs).toEqual({ picture: { node: 's/r', port: 'image' }, size: { node: 's/r', param: 'width' } });
    expect(flow.outputs).toEqual({ result: { node: 's/r', port: 'image' } });
  });

  it('stops at the node cap instead of growing without bound', () => {
    const wide = buildFlow(Array.from({ length: 50 }, (_, i) => [`n${i}`, 'flow:leaf'] as [string, string]), [], { outputs: { v: { node: 'n0', port: 'v' } } });
    const leaf = buildFlow(Array.from({ length: 50 }, (_, i) => [`m${i}`, 'text.prompt'] as [string, string]), [], { outputs: { v: { node: 'm0', port: 'text' } } });
    const { issues } = expandSubflows(buildFlow([['a', 'flow:wide'], ['b', 'flow:wide']]), source({ wide, leaf }));
    expect(issues).toEqual([expect.objectContaining({ message: `with its subflows the flow has more than ${MAX_EXPANDED_NODES} nodes` })]);
  });
});
