// Right-click menus of the empty canvas (add a group or a note there) and of a group or note.
import { addGroup, addNote, removeAnnotations } from './annotations';
import { ContextMenu } from '../components/ContextMenu';
import { openDialog, useEditor, type Dialog } from '../store/store';

export function PaneMenu({ dialog }: { dialog: Extract<Dialog, { kind: 'pane-menu' }> }) {
  const selected = useEditor.getState().nodes.some((n) => n.selected);
  return (
    <ContextMenu
      screen={dialog.screen}
      label="Canvas actions"
      items={[
        ['Add node…', () => openDialog({ kind: 'search', screen: dialog.screen, flow: dialog.flow })],
        [selected ? 'Group selected nodes' : 'Add group here', () => void addGroup(dialog.flow)],
        ['Add note here', () => void addNote(dialog.flow)],
      ]}
    />
  );
}

export function AnnotationMenu({ dialog }: { dialog: Extract<Dialog, { kind: 'annotation-menu' }> }) {
  const annotation = useEditor.getState().annotations.find((a) => a.id === dialog.annotationId);
  if (!annotation) return null;
  const what = annotation.kind === 'group' ? 'group' : 'note';
  return <ContextMenu screen={dialog.screen} label={`Actions for ${what} ${annotation.id}`} items={[[`Delete ${what}`, () => removeAnnotations([annotation.id])]]} />;
}
