// A sticky note: free text on the canvas, dragged by its edge strip, resized when selected.
import { NodeResizer, type NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { MAX_NOTE_TEXT } from '../../../model/flow-basics';
import { updateAnnotation } from './annotations';
import type { AnnotationNode } from './annotation-nodes';

export const NoteNode = memo(function NoteNode({ data, selected }: NodeProps<AnnotationNode>) {
  const { annotation } = data;
  return (
    <div className="note-paper" data-annotation-id={annotation.id} style={annotation.color ? { background: annotation.color } : undefined}>
      <NodeResizer isVisible={selected} minWidth={120} minHeight={60} />
      <div className="note-strip" title="Drag to move the note" />
      <textarea
        className="nodrag nowheel note-text"
        aria-label="Note text"
        placeholder="Write a note…"
        maxLength={MAX_NOTE_TEXT}
        value={annotation.text ?? ''}
        onChange={(e) => updateAnnotation(annotation.id, { text: e.target.value })}
      />
    </div>
  );
});
