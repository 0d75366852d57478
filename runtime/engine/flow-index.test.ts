import { describe, expect, it } from 'vitest';
import { FlowIndex } from './flow-index';

const nodes = (...ids: string[]) => ids.map((id) => ({ id }));
const edge = (source: string, target: string) => ({ source, target });

describe('FlowIndex', () => {
  it('gives each edge its ends as positions, -1 for an id no node has', () => {
    const index = new FlowIndex(nodes('a', 'b', 'c'), [edge('a', 'b'), edge('ghost', 'c'), edge('b', 'nobody'), edge('a', 'c')]);
    expect([...index.edgeSource]).toEqual([0, -1, 1, 0]);
    expect([...index.edgeTarget]).toEqual([1, 2, -1, 2]);
  });

  it('lists the edges leaving each node in edge order, leaving out those with an unknown end', () => {
    const index = new FlowIndex(nodes('a', 'b', 'c'), [edge('b', 'c'), edge('a', 'c'), edge('a', 'ghost'), edge('a', 'b')]);
    const { start, edges } = index.outgoing;
    const leaving = (position: number) => [...edges.subarray(start[position], start[position + 1])];
    expect(leaving(0)).toEqual([1, 3]);
    expect(leaving(1)).toEqual([0]);
    expect(leaving(2)).toEqual([]);
  });

  it('says when ids repeat, and maps a repeated id to its last node', () => {
    const index = new FlowIndex(nodes('a', 'b', 'a'), [edge('b', 'a')]);
    expect(index.hasDuplicateIds).toBe(true);
    expect(index.position.get('a')).toBe(2);
    expect([...index.edgeTarget]).toEqual([2]);
    expect(new FlowIndex(nodes('a', 'b'), []).hasDuplicateIds).toBe(false);
  });
});
