// Which nodes lie on a cycle: the strongly connected components with more than one node (or a node
// linked to itself), found by Tarjan's algorithm with an explicit stack instead of recursion.
// Nodes downstream or upstream of a cycle are not on it and are not reported.

export function nodesOnCycles(ids: readonly string[], edges: ReadonlyArray<{ source: string; target: string }>): string[] {
  const n = ids.length;
  const indexOf = new Map<string, number>();
  for (let i = 0; i < n; i++) indexOf.set(ids[i], i);
  // Children in one flat array (compressed rows): 100,000 small arrays would keep the GC busy.
  const from = new Int32Array(edges.length);
  const to = new Int32Array(edges.length);
  const firstChild = new Int32Array(n + 1);
  const selfLinked = new Uint8Array(n);
  let linked = 0;
  for (const edge of edges) {
    const source = indexOf.get(edge.source);
    const target = indexOf.get(edge.target);
    if (source === undefined || target === undefined) continue;
    if (source === target) selfLinked[source] = 1;
    from[linked] = source;
    to[linked++] = target;
    firstChild[source + 1]++;
  }
  for (let i = 0; i < n; i++) firstChild[i + 1] += firstChild[i];
  const children = new Int32Array(linked);
  const fill = firstChild.slice(0, n);
  for (let e = 0; e < linked; e++) children[fill[from[e]]++] = to[e];

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
      if (firstChild[v] + nextChild[v] < firstChild[v + 1]) {
        const w = children[firstChild[v] + nextChild[v]++];
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
      const cyclic = component[component.length - 1] !== v || selfLinked[v] === 1;
      let member: number;
      do {
        member = component.pop()!;
        onStack[member] = 0;
        if (cyclic) onCycle[member] = 1;
      } while (member !== v);
    }
  }
  return ids.filter((_, i) => onCycle[i] === 1);
}
