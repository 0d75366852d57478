// Converts between the flow document (FlowSchema) and the editor's React Flow graph.
import { FLOW_FORMAT } from '../../../model/flow-basics';
import type { Flow } from '../../../model/flow';
import type { CatalogNode } from '../api/types';
import type { EditorAnnotation, FlowMeta, GraphEdge, GraphNode } from './types';

export function flowToGraph(flow: Flow, catalog: Map<string, CatalogNode>): { meta: FlowMeta; nodes: GraphNode[]; edges: GraphEdge[]; annotations: EditorAnnotation[] } {
  const nodes: GraphNode[] = flow.nodes.map((n) => ({
    id: n.id,
    type: 'atelier',
    position: { x: n.position.x, y: n.position.y },
    data: { atype: n.type, params: { ...(n.params ?? {}) }, ...(n.pinned !== undefined && { pinned: n.pinned }), ...(n.label !== undefined && { label: n.label }) },
  }));
  const typeOf = new Map(flow.nodes.map((n) => [n.id, n.type]));
  const edges: GraphEdge[] = (flow.edges ?? []).map((e) => edgeFor(e, catalog.get(typeOf.get(e.source) ?? '')?.outputs[e.sourceHandle]?.type));
  return {
    meta: {
      name: flow.name,
      description: flow.description,
      revision: flow.revision ?? 0,
      inputs: { ...(flow.inputs ?? {}) },
      outputs: { ...(flow.outputs ?? {}) },
    },
    nodes,
    edges,
    annotations: (flow.annotations ?? []).map((a) => structuredClone(a)),
  };
}

export function edgeFor(e: { id: string; source: string; sourceHandle: string; target: string; targetHandle: string }, dataType?: string): GraphEdge {
  return {
    id: e.id,
    source: e.source,
    sourceHandle: e.sourceHandle,
    target: e.target,
    targetHandle: e.targetHandle,
    className: `edge-type-${dataType ?? 'any'}`,
  };
}

export function graphToFlow(meta: FlowMeta, nodes: GraphNode[], edges: GraphEdge[], annotations: EditorAnnotation[] = []): Flow {
  const ids = new Set(nodes.map((n) => n.id));
  return {
    format: FLOW_FORMAT,
    name: meta.name,
    ...(meta.description !== undefined && { description: meta.description }),
    revision: meta.revision,
    inputs: Object.fromEntries(Object.entries(meta.inputs).filter(([, b]) => ids.has(b.node))),
    outputs: Object.fromEntries(Object.entries(meta.outputs).filter(([, b]) => ids.has(b.node))),
    nodes: nodes.map((n) => ({
      id: n.id,
      type: n.data.atype,
      position: { x: Math.round(n.position.x), y: Math.round(n.position.y) },
      params: n.data.params,
      ...(n.data.pinned !== undefined && { pinned: n.data.pinned }),
      ...(n.data.label !== undefined && { label: n.data.label }),
    })),
    edges: edges
      .filter((e) => ids.has(e.source) && ids.has(e.target))
      .map((e) => ({ id: e.id, source: e.source, sourceHandle: e.sourceHandle ?? '', target: e.target, targetHandle: e.targetHandle ?? '' })),
    ...(annotations.length > 0 && { annotations: annotations.map(saveAnnotation) }),
  };
}

function saveAnnotation({ id, kind, position, size, title, text, color }: EditorAnnotation) {
  return {
    id,
    kind,
    position: { x: Math.round(position.x), y: Math.round(position.y) },
    size: { width: Math.round(size.width), height: Math.round(size.height) },
    ...(title !== undefined && { title }),
    ...(text !== undefined && { text }),
    ...(color !== undefined && { color }),
  };
}
