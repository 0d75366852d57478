import { describe, expect, it } from 'vitest';
import { builtinNodes } from '../../nodes/index';
import { buildFlow } from '../../test/helpers/flow-builder';
import { testNodes } from '../../test/helpers/test-nodes';
import { NodeRegistry } from './registry';
import { validateFlow } from './validate';
import { planRun } from './plan';
import { applyFlowInputs } from './flow-inputs';
import { defineNode } from '../../nodes/api';
import { z } from 'zod';

const keyed = defineNode({
  type: 'test.keyed',
  title: 'Keyed',
  category: 'test',
  description: 'needs a key',
  version: 1,
  inputs: {},
  outputs: { text: { type: 'text' } },
  params: z.object({}),
  deterministic: false,
  preflight: (_p, credentials) => (credentials.get('TEST_API_KEY') ? [] : [{ field: 'credentials', message: 'TEST_API_KEY is not set' }]),
  async run() {
    return { text: 'x' };
  },
});
const registry = new NodeRegistry([...builtinNodes, ...testNodes(), keyed]);

describe('validateFlow', () => {
  it('hands on params that parsing leaves as sent, and a parsed copy where it adds a default or drops a key', () => {
    const flow = buildFlow([
      ['asSent', 'test.number', { value: 2 }],
      ['defaulted', 'test.number', {}],
      ['extra', 'test.number', { value: 3, unknown: true }],
    ]);
    const parsed: unknown[] = new Array(flow.nodes.length);
    expect(validateFlow(flow, { registry, parsedParams: parsed })).toEqual([]);
    expect(parsed[0]).toBe(flow.nodes[0].params);
    expect(parsed[1]).toEqual({ value: 0 });
    expect(parsed[1]).not.toBe(flow.nodes[1].params);
    expect(parsed[2]).toEqual({ value: 3 });
    expect(flow.nodes[2].params).toEqual({ value: 3, unknown: true }); // the flow itself is left as sent
  });

  it('plans every node of a flow without a target, and only those', () => {
    const flow = buildFlow([['a', 'test.number'], ['b', 'test.number']], ['a.value -> b.add']);
    const { nodes } = planRun(flow);
    expect(nodes.size).toBe(2);
    expect([...nodes]).toEqual(['a', 'b']);
    expect(nodes.has('b')).toBe(true);
    expect(nodes.has('c')).toBe(false);
    expect([...planRun(flow, { to: 'a' }).nodes]).toEqual(['a']);
  });

  it('accepts the shipped example', async () => {
    const { FlowSchema } = await import('../../model/flow');
    const { readFileSync } = await import('node:fs');
    const flow = FlowSchema.parse(JSON.parse(readFileSync('flows/local-image-pipeline.json', 'utf8')));
    expect(validateFlow(flow, { registry })).toEqual([]);
  });

  it('lists every kind of problem at once, each with node id and field', () => {
    const flow = buildFlow(
      [
        ['p', 'text.prompt'],
        ['r', 'image.resize', { width: 0 }],
        ['ghost', 'no.such.type'],
        ['c1', 'test.number'],
        ['c2', 'test.number'],
        ['k', 'test.keyed'],
        ['o', 'output'],
      ],
      ['p.text -> r.image', 'c1.value -> c2.add', 'c2.value -> c1.add', 'p.nope -> o.value', 'k.text -> o.value', 'x.y -> o.value'],
      { outputs: { result: { node: 'r', port: 'missing' } }, inputs: { n: { node: 'nobody', param: 'value' } } },
    );
    const issues = validateFlow(flow, { registry, credentials: { get: () => undefined } });
    const summary = issues.map((i) => `${i.code}:${i.nodeId ?? ''}:${i.field ?? ''}`);
    expect(summary).toEqual(
      expect.arrayContaining([
        'type_mismatch:r:image',
        'invalid_param:r:width',
        'unknown_type:ghost:type',
        'cycle:c1:',
        'cycle:c2:',
        'unknown_port:p:nope',
        'multiple_links:o:value',
        'unknown_node:x:edges.e5',
        'credentials:k:credentials',
        'bad_binding:r:outputs.result',
        'bad_binding::inputs.n',
      ]),
    );
    for (const issue of issues) expect(issue.message.length).toBeGreaterThan(5);
  });

  it('reports a required input that is not connected', () => {
    const issues = validateFlow(buildFlow([['m', 'mask.apply']]), { registry });
    expect(issues.map((i) => `${i.code}:${i.field}`)).toEqual(['missing_input:image', 'missing_input:mask']);
  });

  it('checks only the nodes that will run for inputs, params and credentials', () => {
    const flow = buildFlow([['a', 'test.number'], ['k', 'test.keyed']]);
    expect(validateFlow(flow, { registry, credentials: { get: () => undefined }, nodesToRun: new Set(['a']) })).toEqual([]);
  });

  it('lets "any" ports connect to every type', () => {
    expect(validateFlow(buildFlow([['p', 'text.prompt'], ['o', 'output']], ['p.text -> o.value']), { registry })).toEqual([]);
  });

  it('reports a second link into one input, also into a port the node does not declare', () => {
    const flow = buildFlow(
      [['a', 'test.number'], ['b', 'test.number'], ['c', 'test.number']],
      ['a.value -> c.add', 'b.value -> c.add', 'a.value -> c.nope', 'b.value -> c.nope'],
    );
    const summary = validateFlow(flow, { registry }).map((i) => `${i.code}:${i.nodeId}:${i.field}`);
    expect(summary).toEqual(['multiple_links:c:add', 'unknown_port:c:nope', 'unknown_port:c:nope', 'multiple_links:c:nope']);
  });

  // Ports were looked up as plain properties: "toString" and "valueOf" are on every object, so an edge
  // between them passed validation and fed a function into the node.
  it('knows no port, flow output or flow input that is only a name every object has', () => {
    const flow = buildFlow([['a', 'test.number'], ['b', 'test.number']], ['a.toString -> b.valueOf'], {
      outputs: { result: { node: 'a', port: 'hasOwnProperty' } },
      inputs: { n: { node: 'b', port: 'isPrototypeOf' } },
    });
    const summary = validateFlow(flow, { registry }).map((i) => `${i.code}:${i.nodeId}:${i.field}`);
    expect(summary).toEqual(expect.arrayContaining(['unknown_port:a:toString', 'bad_binding:a:outputs.result']));
    const applied = applyFlowInputs(flow, { toString: 1 }, registry, { get: () => undefined });
    expect(applied.issues.map((i) => `${i.code}:${i.field}`)).toEqual(['unknown_input:inputs.toString', 'bad_binding:inputs.n']);
  });
});
