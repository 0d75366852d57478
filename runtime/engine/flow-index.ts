// One index of a flow's graph per run, shared by validation, cycle search and the scheduler: node ids
// to positions (the only string-keyed map), each edge's ends as positions, and the edges leaving each
// node as compressed rows. Each of them used to build its own Map of the node ids: for a 100,000-node
// flow every such Map cost ~25 ms, and for a 10-node run they were a good share of its allocations.

interface Identified {
  readonly id: string;
}

interface Linked {
  readonly source: string;
  readonly target: string;
}

export class FlowIndex {
  /** The position of each node id among the nodes (the last, where an id repeats). */
  readonly position = new Map<string, number>();
  readonly size: number;
  /** Per edge, in order: the positions of its source and its target, -1 where no node has that id. */
  readonly edgeSource: Int32Array;
  readonly edgeTarget: Int32Array;
  /** The edges leaving node i (both ends known) are outEdges[outStart[i]] .. outEdges[outStart[i + 1] - 1], in edge order. */
  readonly outStart: Int32Array;
  readonly outEdges: Int32Array;

  constructor(nodes: readonly Identified[], edges: readonly Linked[]) {
    const n = nodes.length;
    this.size = n;
    for (let i = 0; i < n; i++) this.position.set(nodes[i].id, i);
    const source = (this.edgeSource = new Int32Array(edges.length));
    const target = (this.edgeTarget = new Int32Array(edges.length));
    const start = (this.outStart = new Int32Array(n + 1));
    let linked = 0;
    for (let e = 0; e < edges.length; e++) {
      source[e] = this.position.get(edges[e].source) ?? -1;
      target[e] = this.position.get(edges[e].target) ?? -1;
      if (source[e] < 0 || target[e] < 0) continue;
      start[source[e] + 1]++;
      linked++;
    }
    for (let i = 0; i < n; i++) start[i + 1] += start[i];
    const out = (this.outEdges = new Int32Array(linked));
    const fill = start.slice(0, n);
    for (let e = 0; e < edges.length; e++) if (source[e] >= 0 && target[e] >= 0) out[fill[source[e]]++] = e;
  }

  /** True when two nodes share an id. */
  get hasDuplicateIds(): boolean {
    return this.position.size !== this.size;
  }
}
