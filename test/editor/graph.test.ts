// Pure editor graph helpers: port compatibility, flow document round trip, headless commands.
import { describe, expect, it } from 'vitest';
import { FlowSchema, type Flow } from '../../model/flow';
import { checkConnection, reaches, typesCompatible } from '../../editor/src/graph/compat';
import { flowToGraph, graphToFlow } from '../../editor/src/graph/flow-doc';
import { newNodeId } from '../../editor/src/graph/ids';
import { defaultParams } from '../../editor/src/graph/schema-defaults';
import { cliCommand, curlCommand, currentInputValues, shellQuote } from '../../editor/src/dialogs/headless';
import { fieldKind } from '../../editor/src/inspector/ParamField';
import type { CatalogNode } from '../../editor/src/api/types';

const spec = (type: string, inputs: Record<string, string>, outputs: Record<string, string>): CatalogNode => ({
  type,
  title: type,
  category: 'test',
  description: '',
  version: 1,
  inputs: Object.fromEntries(Object.entries(inputs).map(([k, t]) => [k, { type: t as never }])),
  outputs: Object.fromEntries(Object.entries(outputs).map(([k, t]) => [k, { type: t as never }])),
  params: { type: 'object', properties: {} },
  deterministic: true,
});

describe('editor graph helpers', () => {
  it('links equal types and anything with any, nothing else', () => {
    expect(typesCompatible('image', 'image')).toBe(true);
    expect(typesCompatible('image', 'any')).toBe(true);
    expect(typesCompatible('any', 'mask')).toBe(true);
    expect(typesCompatible('image', 'mask')).toBe(false);
    expect(typesCompatible('mask', 'image')).toBe(false);
    const prompt = spec('text.prompt', {}, { text: 'text' });
    const resize = spec('image.resize', { image: 'image' }, { image: 'image' });
    const check = checkConnection({ nodeId: 'p', handle: 'text', spec: prompt }, { nodeId: 'r', handle: 'image', spec: resize });
    expect(check).toEqual({ ok: false, reason: expect.stringContaining('Cannot link text → image') });
    expect(checkConnection({ nodeId: 'r', handle: 'image', spec: resize }, { nodeId: 'r', handle: 'image', spec: resize }).ok).toBe(false);
    expect(reaches([{ source: 'a', target: 'b' }, { source: 'b', target: 'c' }], 'a', 'c')).toBe(true);
    expect(reaches([{ source: 'a', target: 'b' }], 'b', 'a')).toBe(false);
  });

  it('round-trips a flow document through the React Flow graph unchanged', () => {
    const flow: Flow = FlowSchema.parse({
      format: 'atelier.flow/1',
      name: 'T',
      revision: 3,
      inputs: { w: { node: 'r', param: 'width' } },
      outputs: { img: { node: 'r', port: 'image' } },
      nodes: [
        { id: 'l', type: 'image.load', position: { x: 1, y: 2 }, params: { asset: 'a.png' }, label: 'Photo' },
        { id: 'r', type: 'image.resize', position: { x: 300, y: 2 }, params: { width: 64 }, pinned: true },
      ],
      edges: [{ id: 'e1', source: 'l', sourceHandle: 'image', target: 'r', targetHandle: 'image' }],
    });
    const { meta, nodes, edges } = flowToGraph(flow, new Map());
    expect(graphToFlow(meta, nodes, edges)).toEqual(flow);
  });

  it('names new nodes readably and fills schema defaults', () => {
    expect(newNodeId('image.resize', new Set(['resize-1']))).toBe('resize-2');
    expect(defaultParams({ type: 'object', properties: { a: { type: 'string', default: 'x' }, b: { type: 'number' } } })).toEqual({ a: 'x' });
    expect(fieldKind({ type: 'string', multiline: true })).toBe('multiline');
    expect(fieldKind({ type: 'integer', minimum: 0, maximum: 9007199254740991, widget: 'seed' })).toBe('seed');
    expect(fieldKind({ type: 'number', minimum: 0, maximum: 1 })).toBe('slider');
    expect(fieldKind({ type: 'integer', minimum: 1, maximum: 9007199254740991 })).toBe('number');
    expect(fieldKind({ type: 'string', enum: ['a', 'b'] })).toBe('enum');
    expect(fieldKind({ type: 'array', items: { type: 'number' } })).toBe('readonly');
  });

  it('writes the headless curl and CLI commands with the current input values', () => {
    const flow = FlowSchema.parse({
      format: 'atelier.flow/1',
      name: 'T',
      inputs: { prompt: { node: 'p', param: 'text' } },
      nodes: [{ id: 'p', type: 'text.prompt', position: { x: 0, y: 0 }, params: { text: "a cat's hat" } }],
    });
    const inputs = currentInputValues(flow);
    expect(curlCommand('http://127.0.0.1:8787', 'hat', inputs)).toBe(
      `curl -s -X POST http://127.0.0.1:8787/api/runs?wait=1 -H 'content-type: application/json' -d '{"flowId":"hat","inputs":{"prompt":"a cat'\\''s hat"}}'`,
    );
    expect(cliCommand('hat', inputs)).toBe(`npx atelier run flows/hat.json --input 'prompt=a cat'\\''s hat' --out out/`);
    expect(shellQuote('width=256')).toBe('width=256');
  });
});
