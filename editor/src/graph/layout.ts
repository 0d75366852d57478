// Auto-layout with ELK's layered algorithm (left to right), loaded on first use.
import type { XYPosition } from '@xyflow/react';
import type { GraphEdge, GraphNode } from './types';

export async function layoutGraph(nodes: GraphNode[], edges: GraphEdge[]): Promise<Map<string, XYPosition>> {
  const { default: ELK } = await import('elkjs/lib/elk.bundled.js');
  const elk = new ELK();
  const result = await elk.layout({
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.spacing.nodeNode': '40',
      'elk.layered.spacing.nodeNodeBetweenLayers': '80',
      'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
    },
    children: nodes.map((n) => ({ id: n.id, width: n.measured?.width ?? 240, height: n.measured?.height ?? 120 })),
    edges: edges.map((e) => ({ id: e.id, sources: [e.source], targets: [e.target] })),
  });
  return new Map((result.children ?? []).map((c) => [c.id, { x: Math.round(c.x ?? 0), y: Math.round(c.y ?? 0) }]));
}
