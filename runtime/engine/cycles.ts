// Which nodes lie on a cycle: the strongly connected components with more than one node (or a node
// linked to itself). Nodes downstream or upstream of a cycle are not on it and are not reported.
// A flow without cycles (nearly every flow) is proven so by peeling off nodes without unfinished
// parents (Kahn's algorithm); only a flow with a cycle pays for Tarjan's algorithm, which runs with an
// explicit stack instead of recursion.
import type { FlowIndex } from './flow-index';

/** The positions of the nodes on a cycle, in ascending order. */
export function positionsOnCycles(index: FlowIndex): number[] {
  return isAcyclic(index) ? [] : stronglyConnected(index);
}

function isAcyclic({ size, outgoing, edgeTarget }: FlowIndex): boolean {
  const { start: outStart, edges: outEdges } = outgoing;
  const parents = new Int32Array(size);
  for (let k = 0; k < outEdges.length; k++) parents[edgeTarget[outEdges[k]]]++;
  const free = new Int32Array(size);
  let freeCount = 0;
  for (let v = 0; v < size; v++) if (parents[v] === 0) free[freeCount++] = v;
  let peeled = 0;
  while (freeCount > 0) {
    const v = free[--freeCount];
    peeled++;
    for (let k = outStart[v]; k < outStart[v + 1]; k++) {
      const w = edgeTarget[outEdges[k]];
      if (--parents[w] === 0) free[freeCount++] = w;
    }
  }
  return peeled === size;
}

function stronglyConnected({ size: n, outgoing, edgeTarget }: FlowIndex): number[] {
  const { start: outStart, edges: outEdges } = outgoing;
  const order = new Int32Array(n).fill(-1); // visit order, -1 = not visited
  const low = new Int32Array(n);
  const nextChild = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const onCycle = new Uint8Array(n);
  const component: number[] = []; // Tarjan's stack of visited, unassigned nodes
  const path: number[] = []; // the depth-first path (what recursion would keep on the call stack)
  let counter = 0;
  const visit = (v: number) => {
    order[v] = low[v] = counter++;
    component.push(v);
    onStack[v] = 1;
    path.push(v);
  };

  for (let root = 0; root < n; root++) {
    if (order[root] !== -1) continue;
    visit(root);
    while (path.length > 0) {
      const v = path[path.length - 1];
      if (outStart[v] + nextChild[v] < outStart[v + 1]) {
        const w = edgeTarget[outEdges[outStart[v] + nextChild[v]++]];
        if (order[w] === -1) visit(w);
        else if (onStack[w]) low[v] = Math.min(low[v], order[w]);
        continue;
      }
      path.pop();
      if (path.length > 0) {
        const parent = path[path.length - 1];
        low[parent] = Math.min(low[parent], low[v]);
      }
      if (low[v] !== order[v]) continue;
      // v roots a strongly connected component: everything above it on the stack
      const cyclic = component[component.length - 1] !== v || linksToItself(v, outStart, outEdges, edgeTarget);
      let member: number;
      do {
        member = component.pop()!;
        onStack[member] = 0;
        if (cyclic) onCycle[member] = 1;
      } while (member !== v);
    }
  }
  const positions: number[] = [];
  for (let v = 0; v < n; v++) if (onCycle[v] === 1) positions.push(v);
  return positions;
}

function linksToItself(v: number, outStart: Int32Array, outEdges: Int32Array, edgeTarget: Int32Array): boolean {
  for (let k = outStart[v]; k < outStart[v + 1]; k++) if (edgeTarget[outEdges[k]] === v) return true;
  return false;
}
