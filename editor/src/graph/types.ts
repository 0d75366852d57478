// The editor's graph: React Flow nodes/edges whose data mirrors the flow document's node fields.
import type { Edge, Node } from '@xyflow/react';
import type { FlowAnnotation } from '../../../model/flow';

export interface AtelierNodeData extends Record<string, unknown> {
  /** The Atelier node type (catalog key), e.g. "image.resize". */
  atype: string;
  params: Record<string, unknown>;
  pinned?: boolean;
  label?: string;
}

export type GraphNode = Node<AtelierNodeData, 'atelier'>;
export type GraphEdge = Edge;

export interface FlowMeta {
  name: string;
  description?: string;
  revision: number;
  inputs: Record<string, { node: string; param: string } | { node: string; port: string }>;
  outputs: Record<string, { node: string; port: string }>;
}

/** A group or sticky note as the editor holds it: the flow document's annotation plus whether it is selected. */
export type EditorAnnotation = FlowAnnotation & { selected?: boolean };
