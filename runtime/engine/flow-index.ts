// One index of a flow's graph per run, shared by planning, validation, cycle search and the scheduler:
// node ids to positions (the only string-keyed map), each edge's ends as positions, and the edges
// leaving each node as compressed rows. Each of them used to build its own Map of the node ids: for a
// 100,000-node flow every such Map cost ~25 ms, and for a 10-node run they were a good share of its allocations.

interface Identified {
  readonly id: string;
}

interface Linked {
  readonly source: string;
  readonly target: string;
}

/** Edges grouped by one of their ends: those of node i are edges[start[i]] .. edges[start[i + 1] - 1], in edge order. */
export interface EdgeRows {
  readonly start: Int32Array;
  readonly edges: Int32Array;
}

export class FlowIndex {
  /** The position of each node id among the nodes (the last, where an id repeats). */
  readonly position = new Map<string, number>();
  readonly size: number;
  /** Per edge, in order: the positions of its source and its target, -1 where no node has that id. */
  readonly edgeSource: Int32Array;
  readonly edgeTarget: Int32Array;
  /** The edges leaving each node (both ends known). */
  readonly outgoing: EdgeRows;
  private incomingRows?: EdgeRows;

  constructor(nodes: readonly Identified[], edges: readonly Linked[]) {
    this.size = nodes.length;
    for (let i = 0; i < nodes.length; i++) this.position.set(nodes[i].id, i);
    this.edgeSource = new Int32Array(edges.length);
    this.edgeTarget = new Int32Array(edges.length);
    for (let e = 0; e < edges.length; e++) {
      this.edgeSource[e] = this.position.get(edges[e].source) ?? -1;
      this.edgeTarget[e] = this.position.get(edges[e].target) ?? -1;
    }
    this.outgoing = this.rowsBy(this.edgeSource);
  }

  /** The edges entering each node (both ends known); built on first use: only "run to/from" needs them. */
  get incoming(): EdgeRows {
    this.incomingRows ??= this.rowsBy(this.edgeTarget);
    return this.incomingRows;
  }

  /** True when two nodes share an id. */
  get hasDuplicateIds(): boolean {
    return this.position.size !== this.size;
  }

  private rowsBy(end: Int32Array): EdgeRows {
    const known = (e: number) => this.edgeSource[e] >= 0 && this.edgeTarget[e] >= 0;
    const start = new Int32Array(this.size + 1);
    let count = 0;
    for (let e = 0; e < end.length; e++) {
      if (!known(e)) continue;
      start[end[e] + 1]++;
      count++;
    }
    for (let i = 0; i < this.size; i++) start[i + 1] += start[i];
    const edges = new Int32Array(count);
    const fill = start.slice(0, this.size);
    for (let e = 0; e < end.length; e++) if (known(e)) edges[fill[end[e]]++] = e;
    return { start, edges };
  }
}
