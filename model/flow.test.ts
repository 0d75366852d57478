import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FlowSchema, slugify, stringifyFlow } from './flow';

describe('flow document', () => {
  it('round-trips the shipped example byte for byte', () => {
    const text = readFileSync('flows/local-image-pipeline.json', 'utf8');
    expect(stringifyFlow(FlowSchema.parse(JSON.parse(text)))).toBe(text);
  });

  it('serialises with sorted keys whatever the insertion order', () => {
    const a = FlowSchema.parse({ nodes: [{ type: 't', id: 'n', position: { y: 1, x: 2 } }], name: 'A', format: 'atelier.flow/1' });
    const b = FlowSchema.parse({ format: 'atelier.flow/1', name: 'A', nodes: [{ position: { x: 2, y: 1 }, id: 'n', type: 't' }] });
    expect(stringifyFlow(a)).toBe(stringifyFlow(b));
    const keys = Object.keys(JSON.parse(stringifyFlow(a)));
    expect(keys).toEqual([...keys].sort());
  });

  it('fills defaults and names the field that is wrong', () => {
    const flow = FlowSchema.parse({ format: 'atelier.flow/1', name: 'x', nodes: [] });
    expect(flow).toMatchObject({ revision: 0, inputs: {}, outputs: {}, edges: [] });
    const bad = FlowSchema.safeParse({ format: 'atelier.flow/1', name: 'x', nodes: [{ id: 'a', type: 't', position: { x: 'left', y: 0 } }] });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0].path).toEqual(['nodes', 0, 'position', 'x']);
    expect(FlowSchema.safeParse({ format: 'atelier.flow/2', name: 'x', nodes: [] }).success).toBe(false);
  });

  it('derives ids from names', () => {
    expect(slugify('Hat to 3D!')).toBe('hat-to-3d');
    expect(slugify('  Ünïcode — flow ')).toBe('unicode-flow');
    expect(slugify('!!!')).toBe('flow');
  });
});
