// Groups and notes drawn as React Flow nodes under the flow's nodes. Their React Flow ids carry a
// prefix no flow node id can have (":" is not allowed in node ids), so the two never mix.
import type { Node } from '@xyflow/react';
import type { EditorAnnotation } from '../graph/types';

const PREFIX = 'annotation:';

export type AnnotationNode = Node<{ annotation: EditorAnnotation }, 'atelier-group' | 'atelier-note'>;

export const annotationNodeId = (id: string) => PREFIX + id;
export const annotationIdOf = (nodeId: string): string | undefined => (nodeId.startsWith(PREFIX) ? nodeId.slice(PREFIX.length) : undefined);

export function toAnnotationNodes(annotations: EditorAnnotation[]): AnnotationNode[] {
  // Groups first, then notes: later nodes draw on top; both come before (under) the flow's nodes.
  const ordered = [...annotations.filter((a) => a.kind === 'group'), ...annotations.filter((a) => a.kind === 'note')];
  return ordered.map((a) => ({
    id: annotationNodeId(a.id),
    type: a.kind === 'group' ? 'atelier-group' : 'atelier-note',
    position: a.position,
    width: a.size.width,
    height: a.size.height,
    // Drawn at exactly this size: React Flow reads sizes (for resizing, the minimap) from `measured`.
    measured: { width: a.size.width, height: a.size.height },
    selected: a.selected ?? false,
    data: { annotation: a },
    className: `annotation annotation-${a.kind}`,
    ...(a.kind === 'group' && { dragHandle: '.group-title' }),
  }));
}
