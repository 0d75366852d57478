// The pure parts of the editor's flow features: cutting a selection into a subflow, and sweep values.
import { describe, expect, it } from 'vitest';
import { FlowSchema, type Flow } from '../../model/flow';
import { extractSubflow } from '../../editor/src/flows-features/extract-subflow';
import { MAX_SWEEP_RUNS, parseSweepValues } from '../../editor/src/flows-features/sweep-values';

const node = (id: string, params: Record<string, unknown> = {}) => ({ id, type: 't', position: { x: 0, y: 0 }, params });
const edge = (id: string, source: string, sourceHandle: string, target: string, targetHandle: string) => ({ id, source, sourceHandle, target, targetHandle });

function chain(): Flow {
  return FlowSchema.parse({
    format: 'atelier.flow/1',
    name: 'Chain',
    inputs: { size: { node: 'b', param: 'size' } },
    outputs: { result: { node: 'c', port: 'out' } },
    nodes: [node('a'), node('b', { size: 7 }), node('c'), node('d')],
    edges: [edge('e1', 'a', 'out', 'b', 'in'), edge('e2', 'b', 'out', 'c', 'in'), edge('e3', 'c', 'out', 'd', 'in'), edge('e4', 'a', 'out', 'c', 'side')],
  });
}

describe('extractSubflow', () => {
  it('turns cut edges into port-bound inputs and outputs and rewires the neighbours to one subflow node', () => {
    const { inner, outer } = extractSubflow(chain(), ['b', 'c'], 'Middle');
    expect(inner.nodes.map((n) => n.id)).toEqual(['b', 'c']);
    expect(inner.edges.map((e) => e.id)).toEqual(['e2']);
    expect(inner.inputs).toEqual({ b_in: { node: 'b', port: 'in' }, c_side: { node: 'c', port: 'side' }, size: { node: 'b', param: 'size' } });
    expect(inner.outputs).toEqual({ c_out: { node: 'c', port: 'out' } });
    expect(FlowSchema.safeParse(inner).success).toBe(true);

    const o = outer('middle');
    expect(o.nodes.map((n) => n.id)).toEqual(['a', 'd', 'sub1']);
    expect(o.nodes[2]).toMatchObject({ type: 'flow:middle', params: { size: 7 } });
    expect(o.edges.map((e) => `${e.source}.${e.sourceHandle}->${e.target}.${e.targetHandle}`).sort()).toEqual(['a.out->sub1.b_in', 'a.out->sub1.c_side', 'sub1.c_out->d.in']);
    expect(o.inputs).toEqual({ size: { node: 'sub1', param: 'size' } });
    expect(o.outputs).toEqual({ result: { node: 'sub1', port: 'c_out' } });
    expect(FlowSchema.safeParse(o).success).toBe(true);
  });

  it('refuses an empty selection, the whole flow, and a selection nothing leaves', () => {
    expect(() => extractSubflow(chain(), [], 'x')).toThrow(/Select the nodes/);
    expect(() => extractSubflow(chain(), ['a', 'b', 'c', 'd'], 'x')).toThrow(/at least one node left outside/);
    expect(() => extractSubflow(chain(), ['d'], 'x')).toThrow(/Nothing leaves the selection/);
  });
});

describe('parseSweepValues', () => {
  it('reads one value per line (numbers stay numbers) or an integer range', () => {
    expect(parseSweepValues('a red hat\n\n 42 \n1.5')).toEqual(['a red hat', 42, 1.5]);
    expect(parseSweepValues('1..4')).toEqual([1, 2, 3, 4]);
    expect(parseSweepValues('3..1')).toEqual([3, 2, 1]);
  });

  it('refuses more values than a batch may run', () => {
    expect(() => parseSweepValues(`1..${MAX_SWEEP_RUNS + 1}`)).toThrow(/at most 256/);
    expect(() => parseSweepValues(Array.from({ length: MAX_SWEEP_RUNS + 1 }, (_, i) => `v${i}`).join('\n'))).toThrow(/at most 256/);
  });
});
