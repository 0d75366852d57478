// Right-click menu of a node: partial runs and the common edits.
import { run } from '../store/runs';
import { deleteNodes, duplicateSelection, openDialog, selectNodes, useEditor, type Dialog } from '../store/store';
import { subflowMenuItems } from '../flows-features/subflow-menu';

export function NodeMenu({ dialog }: { dialog: Extract<Dialog, { kind: 'node-menu' }> }) {
  const { nodeId } = dialog;
  const act = (action: () => void) => () => {
    openDialog(null);
    action();
  };
  const selectOnly = () => selectNodes([nodeId]);
  const items: Array<[string, () => void]> = [
    ['Run up to here', () => void run({ to: nodeId })],
    ['Run from here', () => void run({ from: nodeId })],
    ['Duplicate', () => (selectOnly(), duplicateSelection())],
    ['Delete', () => deleteNodes([nodeId])],
    ...subflowMenuItems(nodeId, useEditor.getState()),
  ];
  return (
    <div className="search-backdrop" onMouseDown={(e) => e.target === e.currentTarget && openDialog(null)} onContextMenu={(e) => (e.preventDefault(), openDialog(null))}>
      <ul className="node-menu" role="menu" aria-label={`Actions for ${nodeId}`} style={{ left: Math.min(dialog.screen.x, window.innerWidth - 200), top: Math.min(dialog.screen.y, window.innerHeight - 160) }}>
        {items.map(([label, action], i) => (
          <li key={label} role="menuitem" tabIndex={-1} autoFocus={i === 0} onClick={act(action)} onKeyDown={(e) => e.key === 'Enter' && act(action)()}>
            {label}
          </li>
        ))}
      </ul>
    </div>
  );
}
