import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { positionsOnCycles } from './cycles';
import { FlowIndex } from './flow-index';

const edge = (source: string, target: string) => ({ source, target });

function nodesOnCycles(ids: string[], edges: Array<{ source: string; target: string }>): string[] {
  return positionsOnCycles(new FlowIndex(ids.map((id) => ({ id })), edges)).map((position) => ids[position]);
}

describe('nodesOnCycles', () => {
  it('reports only the nodes on the cycle, not those downstream or upstream of it', () => {
    // up -> a -> b -> c -> a, c -> down1 -> down2
    const ids = ['up', 'a', 'b', 'c', 'down1', 'down2'];
    const edges = [edge('up', 'a'), edge('a', 'b'), edge('b', 'c'), edge('c', 'a'), edge('c', 'down1'), edge('down1', 'down2')];
    expect(nodesOnCycles(ids, edges)).toEqual(['a', 'b', 'c']);
  });

  it('does not report a node between two cycles, and reports a node linked to itself', () => {
    const ids = ['x1', 'x2', 'mid', 'y1', 'y2', 'self'];
    const edges = [edge('x1', 'x2'), edge('x2', 'x1'), edge('x2', 'mid'), edge('mid', 'y1'), edge('y1', 'y2'), edge('y2', 'y1'), edge('self', 'self')];
    expect(nodesOnCycles(ids, edges)).toEqual(['x1', 'x2', 'y1', 'y2', 'self']);
  });

  it('handles a 100,000-node chain closed into one ring without recursion', () => {
    const n = 100_000;
    const ids = Array.from({ length: n }, (_, i) => `n${i}`);
    const chain = ids.slice(1).map((id, i) => edge(ids[i], id));
    expect(nodesOnCycles(ids, chain)).toEqual([]);
    expect(nodesOnCycles(ids, [...chain, edge(ids[n - 1], ids[0])])).toHaveLength(n);
    // a ring of 3 at the head of the long chain: only those 3
    expect(nodesOnCycles(ids, [...chain, edge('n2', 'n0')])).toEqual(['n0', 'n1', 'n2']);
  });

  it('agrees with a reachability definition on random graphs', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }).chain((n) => fc.tuple(fc.constant(n), fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: 20 }))), ([n, pairs]) => {
        const ids = Array.from({ length: n }, (_, i) => `v${i}`);
        const edges = pairs.map(([a, b]) => edge(ids[a], ids[b]));
        // v is on a cycle iff v reaches itself through at least one edge
        const reaches = (from: number): Set<number> => {
          const seen = new Set<number>();
          const stack = [from];
          while (stack.length) {
            const v = stack.pop()!;
            for (const [a, b] of pairs) if (a === v && !seen.has(b)) {
              seen.add(b);
              stack.push(b);
            }
          }
          return seen;
        };
        const expected = ids.filter((_, i) => reaches(i).has(i));
        expect(nodesOnCycles(ids, edges)).toEqual(expected);
      }),
    );
  });
});
