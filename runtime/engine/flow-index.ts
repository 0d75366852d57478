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

  // Fields are read into locals and `known` is written out: with `this.` in every loop and a closure
  // per call, a ten-node flow's index took ~1.4 µs instead of ~0.9 (alternating, one process), and a
  // queued run builds its index twice.
  constructor(nodes: readonly Identified[], edges: readonly Linked[]) {
    const size = (this.size = nodes.length);
    const position = this.position;
    for (let i = 0; i < size; i++) position.set(nodes[i].id, i);
    const source = (this.edgeSource = new Int32Array(edges.length));
    const target = (this.edgeTarget = new Int32Array(edges.length));
    for (let e = 0; e < edges.length; e++) {
      source[e] = position.get(edges[e].source) ?? -1;
      target[e] = position.get(edges[e].target) ?? -1;
    }
    this.outgoing = rowsBy(source, source, target, size);
  }

  /** The edges entering each node (both ends known); built on first use: only "run to/from" needs them. */
  get incoming(): EdgeRows {
    this.incomingRows ??= rowsBy(this.edgeTarget, this.edgeSource, this.edgeTarget, this.size);
    return this.incomingRows;
  }

  /** True when two nodes share an id. */
  get hasDuplicateIds(): boolean {
    return this.position.size !== this.size;
  }
}

/** The edges with both ends known, grouped by `end` (their source or their target positions). */
function rowsBy(end: Int32Array, source: Int32Array, target: Int32Array, size: number): EdgeRows {
  const start = new Int32Array(size + 1);
  let count = 0;
  for (let e = 0; e < end.length; e++) {
    if (source[e] < 0 || target[e] < 0) continue;
    start[end[e] + 1]++;
    count++;
  }
  for (let i = 0; i < size; i++) start[i + 1] += start[i];
  const edges = new Int32Array(count);
  const fill = start.slice(0, size);
  for (let e = 0; e < end.length; e++) if (source[e] >= 0 && target[e] >= 0) edges[fill[end[e]]++] = e;
  return { start, edges };
}
