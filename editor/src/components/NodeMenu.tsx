// Right-click menu of a node: partial runs and the common edits.
import { run } from '../store/runs';
import { deleteNodes, duplicateSelection, selectNodes, useEditor, type Dialog } from '../store/store';
import { subflowMenuItems } from '../flows-features/subflow-menu';
import { ContextMenu, type MenuItem } from './ContextMenu';

export function NodeMenu({ dialog }: { dialog: Extract<Dialog, { kind: 'node-menu' }> }) {
  const { nodeId } = dialog;
  const selectOnly = () => selectNodes([nodeId]);
  const items: MenuItem[] = [
    ['Run up to here', () => void run({ to: nodeId })],
    ['Run from here', () => void run({ from: nodeId })],
    ['Duplicate', () => (selectOnly(), duplicateSelection())],
    ['Delete', () => deleteNodes([nodeId])],
    ...subflowMenuItems(nodeId, useEditor.getState()),
  ];
  return <ContextMenu screen={dialog.screen} label={`Actions for ${nodeId}`} items={items} />;
}
