import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FlowSchema, MAX_ANNOTATIONS, slugify, stringifyFlow } from './flow';

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

  it('keeps groups and notes as annotations, and loads files without them as before', () => {
    const plain = JSON.parse(readFileSync('flows/local-image-pipeline.json', 'utf8'));
    expect(FlowSchema.parse(plain).annotations).toBeUndefined();
    const annotations = [
      { id: 'g1', kind: 'group', position: { x: -20, y: -40 }, size: { width: 600, height: 300 }, title: 'Inputs', color: '#93c5fd' },
      { id: 'n1', kind: 'note', position: { x: 700, y: 0 }, size: { width: 200, height: 120 }, text: 'Try a larger size' },
    ];
    const flow = FlowSchema.parse({ ...plain, annotations });
    expect(flow.annotations).toEqual(annotations);
    expect(FlowSchema.parse(JSON.parse(stringifyFlow(flow)))).toEqual(flow);
    // Everything the engine reads is unchanged by them.
    const { annotations: _, ...rest } = flow;
    expect(rest).toEqual(FlowSchema.parse(plain));
  });

  it('limits annotations, naming the field', () => {
    const base = { format: 'atelier.flow/1', name: 'x', nodes: [] };
    const note = (i: number, text = 'hi') => ({ id: `n${i}`, kind: 'note', position: { x: 0, y: 0 }, size: { width: 10, height: 10 }, text });
    const many = FlowSchema.safeParse({ ...base, annotations: Array.from({ length: MAX_ANNOTATIONS + 1 }, (_, i) => note(i)) });
    expect(many.error?.issues[0].path).toEqual(['annotations']);
    const long = FlowSchema.safeParse({ ...base, annotations: [note(1, 'x'.repeat(10_001))] });
    expect(long.error?.issues[0].path).toEqual(['annotations', 0, 'text']);
    const title = FlowSchema.safeParse({ ...base, annotations: [{ ...note(1), kind: 'group', title: 't'.repeat(201) }] });
    expect(title.error?.issues[0].path).toEqual(['annotations', 0, 'title']);
    const kind = FlowSchema.safeParse({ ...base, annotations: [{ ...note(1), kind: 'frame' }] });
    expect(kind.error?.issues[0].path).toEqual(['annotations', 0, 'kind']);
  });
});
