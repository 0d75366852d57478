// A group: a titled frame. Dragged by its title it carries the nodes inside; double-click the title to rename.
import { NodeResizer, type NodeProps } from '@xyflow/react';
import { memo, useState } from 'react';
import { MAX_GROUP_TITLE } from '../../../model/flow-basics';
import { updateAnnotation } from './annotations';
import type { AnnotationNode } from './annotation-nodes';

export const GroupNode = memo(function GroupNode({ data, selected }: NodeProps<AnnotationNode>) {
  const { annotation } = data;
  const [editing, setEditing] = useState(false);
  const title = annotation.title || 'Group';
  return (
    <div className="group-frame" data-annotation-id={annotation.id} style={annotation.color ? { borderColor: annotation.color } : undefined}>
      <NodeResizer isVisible={selected} minWidth={120} minHeight={80} />
      <div className="group-title" style={annotation.color ? { background: annotation.color } : undefined} onDoubleClick={() => setEditing(true)} title="Drag to move the group and its nodes; double-click to rename">
        {editing ? (
          <input
            className="nodrag"
            aria-label="Group title"
            autoFocus
            maxLength={MAX_GROUP_TITLE}
            defaultValue={annotation.title ?? ''}
            onBlur={(e) => {
              updateAnnotation(annotation.id, { title: e.target.value.trim() || 'Group' });
              setEditing(false);
            }}
            onKeyDown={(e) => {
              if (e.key === 'Enter') e.currentTarget.blur();
              if (e.key === 'Escape') setEditing(false);
            }}
          />
        ) : (
          <span className="group-title-text">{title}</span>
        )}
      </div>
    </div>
  );
});
