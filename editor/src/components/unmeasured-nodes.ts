// With onlyRenderVisibleElements, React Flow still renders every node whose handles it has not
// measured (so it can measure them): opening a 500-node flow rendered, laid out and measured all
// 500 nodes once, to then show the few on screen. Here a node not measured yet gets an estimated
// size and handle positions, copied from a measured node of the same type when there is one, so
// React Flow renders only the nodes on screen. A node is measured the first time it shows; from
// then on it goes to React Flow as it is, and the measured handles are kept.
import { Position, type InternalNode, type NodeHandle } from '@xyflow/react';
import type { Catalog } from '../store/store';
import { ESTIMATED_NODE } from '../graph/free-space';
import type { GraphNode } from '../graph/types';

/** A measured node's size and handles (node-relative), reused for unmeasured nodes of its type. */
interface Template {
  width: number;
  height: number;
  handles: Map<string, NodeHandle>;
}

const HANDLE = 10;
/** Rough port rows when no node of the type has been measured yet (header, then one row a port). */
const FIRST_PORT_Y = 36;
const PORT_ROW = 22;

export class UnmeasuredNodes {
  private templates = new Map<string, Template>();
  private estimated = new WeakMap<GraphNode, { template?: Template; node: GraphNode }>();

  /** Learns templates from nodes React Flow has measured (only for types without one yet). */
  learn(nodes: GraphNode[], lookup: Map<string, InternalNode>): void {
    for (const n of nodes) {
      if (!n.measured?.width || this.templates.has(n.data.atype)) continue;
      const internal = lookup.get(n.id);
      const bounds = internal?.internals.handleBounds;
      const { width, height } = internal?.measured ?? {};
      if (!bounds || !width || !height) continue;
      const handles = new Map<string, NodeHandle>();
      for (const h of [...(bounds.source ?? []), ...(bounds.target ?? [])]) {
        if (h.id) handles.set(`${h.type}:${h.id}`, { id: h.id, type: h.type, position: h.position, x: h.x, y: h.y, width: h.width, height: h.height });
      }
      this.templates.set(n.data.atype, { width, height, handles });
    }
  }

  /** The node as React Flow gets it: itself once measured, else with an estimated size and handles. */
  prepare(node: GraphNode, catalog: Catalog | null): GraphNode {
    if (node.measured?.width && node.measured.height) return node;
    const template = this.templates.get(node.data.atype);
    const cached = this.estimated.get(node);
    if (cached && cached.template === template) return cached.node;
    const estimate = withEstimate(node, catalog, template);
    this.estimated.set(node, { template, node: estimate });
    return estimate;
  }
}

function withEstimate(node: GraphNode, catalog: Catalog | null, template: Template | undefined): GraphNode {
  const spec = catalog?.byType.get(node.data.atype);
  const width = template?.width ?? ESTIMATED_NODE.width;
  const height = template?.height ?? ESTIMATED_NODE.height;
  const handles: NodeHandle[] = [];
  const add = (names: string[], type: 'source' | 'target') =>
    names.forEach((id, i) => {
      handles.push(
        template?.handles.get(`${type}:${id}`) ?? {
          id,
          type,
          position: type === 'target' ? Position.Left : Position.Right,
          x: type === 'target' ? -HANDLE / 2 : width - HANDLE / 2,
          y: FIRST_PORT_Y + i * PORT_ROW,
          width: HANDLE,
          height: HANDLE,
        },
      );
    });
  add(Object.keys(spec?.inputs ?? {}), 'target');
  add(Object.keys(spec?.outputs ?? {}), 'source');
  return { ...node, initialWidth: width, initialHeight: height, handles };
}
